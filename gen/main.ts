/**
 * `deno task gen`: renders `deploy/` from the typed config (see USAGE).
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { FlagError, parseFlags } from "../lib/flags.ts";
import { printErr, printOut } from "../lib/output.ts";
import { generate } from "./generate.ts";
import { STACK } from "./stack.config.ts";
import { formatSummary, writeTree } from "./tree.ts";
import { StackConfigError } from "./validate.ts";

/** Where the defaults live: named in every generated file's header. */
const DEFAULT_SOURCE = "gen/stack.config.ts";

const USAGE = `Usage: deno task gen [--check] [--out DIR] [--config FILE.ts]

  --check         write nothing; exit 1 listing the files that would change
  --out DIR       output directory (default deploy)
  --config FILE   a TypeScript module whose default export is the config, or a
                  function from ${DEFAULT_SOURCE}'s config to yours, e.g.
                    import { override } from "./gen/override.ts";
                    export default (stack) => override(stack, { namespace: "obs" });`;

/** The config (from `path`, else the defaults) and the source named in headers. */
async function loadConfig(path?: string) {
  if (path === undefined) return { config: STACK, source: DEFAULT_SOURCE };
  const fail = (why: string) =>
    new StackConfigError([`--config ${path}: ${why}`]);
  const module = await import(pathToFileURL(resolve(path)).href).catch(
    (error: Error) => {
      throw fail(`cannot load it: ${error.message.split("\n")[0]}`);
    },
  );
  const exported = module.default;
  const config: unknown = typeof exported === "function"
    ? exported(structuredClone(STACK))
    : exported;
  if (config === undefined) {
    throw fail(
      "no default export: expected a config or a function returning one",
    );
  }
  return { config, source: path };
}

/** Runs gen; resolves with the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    printOut(USAGE);
    return 0;
  }
  try {
    const { values: flags } = parseFlags(args, {
      check: { type: "boolean", default: false },
      out: { type: "string", default: "deploy" },
      config: { type: "string" },
    });
    const { config, source } = await loadConfig(flags.config);
    const files = generate(config, source);
    const result = await writeTree(flags.out, files, { check: flags.check });
    printOut(formatSummary(result));
    if (flags.check && result.drifted.length > 0) {
      printErr(
        `gen: ${flags.out} differs from the config in ${result.drifted.length} file(s):\n${
          result.drifted.map((p) => `  ${p}`).join("\n")
        }\nrun \`deno task gen\` and commit the result`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof FlagError) {
      printErr(`gen: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof StackConfigError) {
      printErr(error.problems.map((p) => `gen: ${p}`).join("\n"));
      printErr(`gen: nothing was written`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
