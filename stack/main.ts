/**
 * The whole-stack test: `deno task test:stack` (Docker Compose) and
 * `deno task test:k8s` (the local Kustomize overlay). Brings the generated
 * stack up, waits for readiness, exercises space-app, queries Tempo,
 * Prometheus, Loki and Grafana through their own APIs, and tears it down.
 * Where no engine or cluster answers it says why and exits 0 (1 with
 * `--require`). Not part of `deno task test`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { printErr, printOut } from "../lib/output.ts";
import { denoRunner } from "./commands.ts";
import { runCompose } from "./compose.ts";
import type { StackDeps } from "./flow.ts";
import { FlagError, parseFlags, type StackOptions, USAGE } from "./flags.ts";
import { runK8s } from "./k8s.ts";
import { realClock } from "./poll.ts";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Runs the chosen mode; resolves with the exit code. */
export function runStack(
  options: StackOptions,
  deps: StackDeps,
): Promise<number> {
  return options.mode === "compose"
    ? runCompose(options, deps)
    : runK8s(options, deps);
}

/** The real effects, each replaceable by `overrides` (tests). */
export function defaultDeps(overrides: Partial<StackDeps> = {}): StackDeps {
  return {
    runner: denoRunner,
    fetch: globalThis.fetch,
    clock: realClock,
    wallNow: Date.now,
    print: printOut,
    root: ROOT,
    env: (name) => Deno.env.get(name),
    ...overrides,
  };
}

/**
 * Parses `args` and runs; resolves with the exit code (2 for a bad command
 * line, whose one-line message goes to `printError`).
 */
export async function main(
  args: readonly string[],
  overrides: Partial<StackDeps> = {},
  printError: (line: string) => void = printErr,
): Promise<number> {
  let options: StackOptions;
  try {
    const parsed = parseFlags(args);
    if (parsed.help) {
      (overrides.print ?? printOut)(USAGE);
      return 0;
    }
    options = parsed.options;
  } catch (error) {
    if (error instanceof FlagError) {
      printError(error.message);
      return 2;
    }
    throw error;
  }
  return await runStack(options, defaultDeps(overrides));
}

/** Tears the stack down on Ctrl-C or SIGTERM, then exits 130. */
function interruptible(): Partial<StackDeps> {
  let cleanup: (() => Promise<void>) | undefined;
  let interrupted = false;
  const onSignal = async () => {
    if (interrupted) Deno.exit(130); // a second signal: leave at once
    interrupted = true;
    printErr("interrupted; tearing the stack down (again to leave at once)");
    try {
      await cleanup?.();
    } finally {
      Deno.exit(130);
    }
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  return { onInterrupt: (fn) => (cleanup = fn) };
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args, interruptible()));
}
