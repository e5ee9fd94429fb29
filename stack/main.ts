/**
 * The whole-stack test (`deno task test:native`, `test:stack`, `test:k8s`):
 * one line per check (`ok`, `FAIL`, `skip`), then `N passed, N failed, N
 * skipped`; exit 1 on any failure, 2 on a bad command line.
 *
 * @module
 */
import { STACK } from "../gen/stack.config.ts";
import { override } from "../gen/override.ts";
import { parseFlags } from "../lib/flags.ts";
import { printErr, printOut } from "../lib/output.ts";
import { runCompose, runK8s } from "./containers.ts";
import { buildBackends, runNative, type Variant } from "./native.ts";
import { Report } from "./report.ts";

export const USAGE =
  `usage: deno run -A stack/main.ts <native|compose|k8s|build> [options]

  native    the collector and Prometheus built from their Go modules (Go 1.26+),
            Tempo and Loki stand-ins, space-app and loadgen, as processes
  compose   the generated Compose file on a Docker engine
  k8s       the local Kustomize overlay on the current kubeconfig context
  build     only build the native backends (a cached build is kept)

options:
  --require       a missing toolchain, engine or cluster is a failure, not a skip
  --keep          leave the stack running and print where to reach it
  --timeout S     seconds backend checks keep retrying after the exercise (default 120)
  --variant NAME  native only: default or tail-sampling (default: both)
  -h, --help      this text`;

const MODES = ["native", "build", "compose", "k8s"] as const;

/** The config variants the native run checks, by name. */
export function variants(): Variant[] {
  const tail = override(STACK, {
    components: { collector: { tailSampling: { enabled: true } } },
    overlays: { production: { collector: { minReplicas: 1, maxReplicas: 1 } } },
  });
  return [
    { name: "default", config: STACK },
    { name: "tail-sampling", config: tail },
  ];
}

/** Parses the command line; throws a one-line error on a bad one. */
export function parseCommand(args: readonly string[]) {
  const { values, positionals } = parseFlags(args, {
    require: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    timeout: { type: "string", default: "120" },
    variant: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  }, true);
  if (values.help) return { help: true as const };
  const given = positionals.join(" ");
  const mode = MODES.find((m) => m === given);
  const invalid = (what: string, value: string, expected: string) =>
    new Error(
      `${what} ${JSON.stringify(value)} is invalid: expected ${expected}`,
    );
  if (!mode) {
    throw invalid("mode", given, `one of ${MODES.join(", ")}`);
  }
  const timeoutS = Number(values.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 3600) {
    throw invalid("--timeout", values.timeout, "whole seconds from 1 to 3600");
  }
  const names = variants().map((v) => v.name);
  if (values.variant !== undefined && !names.includes(values.variant)) {
    throw invalid("--variant", values.variant, `one of ${names.join(", ")}`);
  }
  return {
    help: false as const,
    mode,
    require: values.require,
    keep: values.keep,
    timeoutS,
    variant: values.variant,
  };
}

/** Runs the command line; resolves with the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseCommand(args);
  } catch (error) {
    printErr(`stack: ${(error as Error).message}`);
    return 2;
  }
  if (command.help) {
    printOut(USAGE);
    return 0;
  }
  const { mode, variant, ...flags } = command;
  const report = new Report(printOut);
  const o = { ...flags, report, log: printErr };
  const chosen = variants().filter((v) => !variant || v.name === variant);
  await {
    native: () => runNative(chosen, o),
    build: () => buildBackends(chosen, o),
    compose: () => runCompose(STACK, o),
    k8s: () => runK8s(STACK, o),
  }[mode]();
  return report.finish();
}

if (import.meta.main) Deno.exit(await main(Deno.args));
