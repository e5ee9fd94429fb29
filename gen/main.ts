/**
 * `deno task gen`: renders `deploy/` from the typed config.
 *
 *   deno task gen                 write deploy/ (atomically)
 *   deno task gen --check         exit 1 listing files that differ
 *   deno task gen --out DIR       write somewhere else
 *   deno task gen --config FILE   apply a JSON override on top of the defaults
 *
 * @module
 */
import { DEFAULT_CONFIG } from "./config/defaults.ts";
import { mergeConfig } from "./config/merge.ts";
import type { StackConfig } from "./config/types.ts";
import { StackConfigError } from "./config/validate.ts";
import { generate } from "./generate.ts";
import { formatSummary, writeTree } from "./tree.ts";
import { printErr, printOut } from "../lib/output.ts";

/** Where the defaults live: named in every generated file's header. */
export const DEFAULT_SOURCE = "gen/config/defaults.ts";

const USAGE = `Usage: deno task gen [--check] [--out DIR] [--config FILE.json]

  --check         write nothing; exit 1 listing the files that would change
  --out DIR       output directory (default deploy)
  --config FILE   JSON object applied on top of ${DEFAULT_SOURCE}`;

/** Parsed command line. */
export interface GenFlags {
  readonly check: boolean;
  readonly out: string;
  readonly config?: string;
}

/** Thrown for a bad command line: exit code 2. */
export class UsageError extends Error {}

/** Parses the command line; throws {@link UsageError} naming the bad flag. */
export function parseFlags(args: readonly string[]): GenFlags {
  let check = false;
  let out = "deploy";
  let config: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") {
        throw new UsageError(`${flag} needs a value: a path`);
      }
      return v;
    };
    switch (flag) {
      case "--check":
        if (inline !== undefined) {
          throw new UsageError(
            `--check takes no value, got ${JSON.stringify(inline)}`,
          );
        }
        check = true;
        break;
      case "--out":
        out = value();
        break;
      case "--config":
        config = value();
        break;
      default:
        throw new UsageError(
          `unknown argument ${
            JSON.stringify(arg)
          }: expected --check, --out DIR or --config FILE`,
        );
    }
  }
  return { check, out, config };
}

/** The config and the source named in headers. */
export async function loadConfig(
  path: string | undefined,
): Promise<{ config: StackConfig; source: string }> {
  if (path === undefined) {
    return { config: DEFAULT_CONFIG, source: DEFAULT_SOURCE };
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new StackConfigError([
      `--config ${path}: cannot read it: ${(error as Error).message}`,
    ]);
  }
  let override: unknown;
  try {
    override = JSON.parse(text);
  } catch (error) {
    throw new StackConfigError([
      `--config ${path}: not valid JSON: ${(error as Error).message}`,
    ]);
  }
  const { config, problems } = mergeConfig(DEFAULT_CONFIG, override);
  if (problems.length > 0) throw new StackConfigError(problems);
  return { config, source: `${DEFAULT_SOURCE} with ${path}` };
}

/** Runs gen; resolves with the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    printOut(USAGE);
    return 0;
  }
  try {
    const flags = parseFlags(args);
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
    if (error instanceof UsageError) {
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

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
