/**
 * Command-line flags of the stack test (`stack/main.ts compose|k8s`). A bad
 * flag is a {@link FlagError} whose message names it, on one line (exit 2).
 *
 * @module
 */

/** Where the stack runs. */
export type StackMode = "compose" | "k8s";

/** Settings of one invocation. */
export interface StackOptions {
  readonly mode: StackMode;
  /** A missing engine or cluster is a failure instead of a skip. */
  readonly require: boolean;
  /** Leave the stack running afterwards. */
  readonly keep: boolean;
  /** Seconds the backend checks keep retrying while data arrives; undefined = the config's. */
  readonly timeoutS: number | undefined;
}

/** What {@link parseFlags} returns. */
export type ParsedFlags =
  | { readonly help: true }
  | { readonly help: false; readonly options: StackOptions };

/** A bad command line; the message is the line to print. */
export class FlagError extends Error {
  override name = "FlagError";
}

/** The `--help` text. */
export const USAGE =
  `stack/main.ts: the whole stack, brought up and queried through each backend's API

Usage:
  deno task test:stack [flags]    Docker Compose (deploy/compose, generated)
  deno task test:k8s [flags]      the local Kustomize overlay on the current kubeconfig
  deno run -A stack/main.ts compose|k8s [flags]

Flags:
  --require      fail (exit 1) when no container engine or cluster answers,
                 instead of printing why and exiting 0
  --keep         leave the stack running afterwards (default: tear it down,
                 volumes included)
  --timeout S    seconds the checks keep retrying while telemetry arrives
                 (1..3600; default from the generated config's readiness times)
  --help         show this help

Exit codes: 0 every check passed, or skipped without --require; 1 a check
failed, or skipped with --require; 2 bad command line.`;

/** Parses `compose|k8s` and the flags; throws {@link FlagError}. */
export function parseFlags(args: readonly string[]): ParsedFlags {
  let mode: StackMode | undefined;
  let require = false;
  let keep = false;
  let timeoutS: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const noValue = () => {
      if (inline !== undefined) {
        throw new FlagError(`stack: ${flag} takes no value (got "${inline}")`);
      }
    };
    switch (flag) {
      case "--help":
      case "-h":
        return { help: true };
      case "--require":
        noValue();
        require = true;
        break;
      case "--keep":
        noValue();
        keep = true;
        break;
      case "--timeout": {
        const value = inline ?? args[++i];
        if (value === undefined) {
          throw new FlagError(
            "stack: --timeout needs a value: seconds from 1 to 3600",
          );
        }
        const n = /^\d+$/.test(value) ? Number(value) : NaN;
        if (!(n >= 1 && n <= 3600)) {
          throw new FlagError(
            `stack: --timeout=${
              JSON.stringify(value)
            } is invalid: expected seconds from 1 to 3600`,
          );
        }
        timeoutS = n;
        break;
      }
      case "compose":
      case "k8s":
        if (mode !== undefined) {
          throw new FlagError(
            `stack: ${arg} given after ${mode}: choose one of compose, k8s`,
          );
        }
        mode = flag as StackMode;
        break;
      default:
        throw new FlagError(
          arg.startsWith("-")
            ? `stack: unknown flag ${arg} (flags: --require, --keep, --timeout S, --help)`
            : `stack: unknown mode ${
              JSON.stringify(arg)
            }: expected compose or k8s`,
        );
    }
  }
  if (mode === undefined) {
    throw new FlagError("stack: missing mode: expected compose or k8s");
  }
  return { help: false, options: { mode, require, keep, timeoutS } };
}
