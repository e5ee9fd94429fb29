/**
 * Command-line flags of `deno task bench`, validated up front: a bad flag is
 * a {@link FlagError} whose message names the flag, the value and what is
 * allowed, on one line.
 *
 * @module
 */

/** Settings of one bench invocation. */
export interface BenchOptions {
  /** Short CI mode: 1 pair, seconds-long phases; fails only on missing figures or lost telemetry. */
  readonly smoke: boolean;
  /** A/B pairs (telemetry on, then off), run alternately. */
  readonly pairs: number;
  /** Seconds of the saturation phase and of the fixed-rate phase, each. */
  readonly durationS: number;
  /** Seconds of warm-up load before measuring. */
  readonly warmupS: number;
  /** Requests per second of the fixed-rate phase and of the memory run. */
  readonly rate: number;
  /** Connections of the saturation phase. */
  readonly connections: number;
  /** Seconds of the memory run (collector refusing connections); 0 skips it. */
  readonly memoryS: number;
  /** Where the JSON results go. */
  readonly jsonPath: string;
  /** When set: one extra, unmeasured telemetry-on run with `--cpu-prof` writing here. */
  readonly profileDir: string | undefined;
  /** Use the built-in Deno load generator even where wrk is installed. */
  readonly noWrk: boolean;
  /** Git revision to measure instead of the working tree. */
  readonly ref: string | undefined;
}

/** What {@link parseFlags} returns: options, or a request for help. */
export type ParsedFlags =
  | { readonly help: true }
  | { readonly help: false; readonly options: BenchOptions };

/** A bad command line; the message is the one line to print. Exit code 2. */
export class FlagError extends Error {
  override name = "FlagError";
}

/** Default JSON path, relative to the repository root (gitignored). */
export const DEFAULT_JSON_PATH = "bench/results/latest.json";

const FULL = {
  pairs: 3,
  durationS: 10,
  warmupS: 2,
  rate: 500,
  connections: 50,
  memoryS: 60,
};
const SMOKE = {
  pairs: 1,
  durationS: 2,
  warmupS: 1,
  rate: 500,
  connections: 50,
  memoryS: 5,
};

type IntFlag =
  | "pairs"
  | "durationS"
  | "warmupS"
  | "rate"
  | "connections"
  | "memoryS";

const INT_FLAGS: Record<string, { key: IntFlag; min: number; max: number }> = {
  "--pairs": { key: "pairs", min: 1, max: 20 },
  "--duration": { key: "durationS", min: 1, max: 600 },
  "--warmup": { key: "warmupS", min: 0, max: 600 },
  "--rate": { key: "rate", min: 1, max: 100_000 },
  "--connections": { key: "connections", min: 1, max: 10_000 },
  "--memory-duration": { key: "memoryS", min: 0, max: 3_600 },
};
const STRING_FLAGS = ["--json", "--profile", "--ref"];
const BOOL_FLAGS = ["--smoke", "--no-wrk", "--help", "-h"];

/** Every flag with its argument, for usage and error lines. */
export const FLAG_SUMMARY =
  "--smoke, --pairs N, --duration S, --warmup S, --rate R, --connections C, --memory-duration S, --json PATH, --profile DIR, --ref REV, --no-wrk, --help";

/** The `--help` text. */
export const USAGE =
  `deno task bench: what the telemetry costs, measured side by side

Runs the service (deno run -P=service main.ts serve) with telemetry on
(exporting to a local OTLP sink) and with OTEL_SDK_DISABLED=true, A B A B...,
each a fresh process; loads it with wrk (or a built-in Deno load generator
when wrk is missing), pinning server and load to different cores with
taskset where available. Then a memory run with the collector refusing
connections. Prints a table and writes the same figures as JSON.

Flags:
  --smoke              CI mode: 1 pair, ${SMOKE.durationS} s phases, ${SMOKE.memoryS} s memory run; exits 1
                       only when figures are missing or telemetry was lost
  --pairs N            A/B pairs (default ${FULL.pairs}; 1..20)
  --duration S         seconds of the saturation and of the fixed-rate phase
                       (default ${FULL.durationS}; 1..600)
  --warmup S           seconds of warm-up load per run (default ${FULL.warmupS}; 0..600)
  --rate R             requests/s of the fixed-rate phase and the memory run
                       (default ${FULL.rate}; 1..100000)
  --connections C      connections at saturation (default ${FULL.connections}; 1..10000)
  --memory-duration S  seconds of the memory run, 0 to skip (default ${FULL.memoryS})
  --json PATH          where the JSON goes (default ${DEFAULT_JSON_PATH})
  --profile DIR        add one unmeasured telemetry-on run under --cpu-prof,
                       writing the .cpuprofile to DIR, and summarize it
  --ref REV            measure the service at git revision REV (default: the
                       working tree, copied at start so all runs measure the same code)
  --no-wrk             use the built-in load generator even if wrk exists
  --help               show this help`;

function parseInt(flag: string, value: string, min: number, max: number) {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new FlagError(
      `bench: ${flag}=${
        JSON.stringify(value)
      } is invalid: expected an integer from ${min} to ${max}`,
    );
  }
  return n;
}

/** Parses the bench's arguments; throws {@link FlagError} on a bad one. */
export function parseFlags(args: readonly string[]): ParsedFlags {
  let smoke = false;
  let noWrk = false;
  let jsonPath = DEFAULT_JSON_PATH;
  let profileDir: string | undefined;
  let ref: string | undefined;
  const ints: Partial<Record<IntFlag, number>> = {};

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (allowed: string): string => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new FlagError(
          `bench: ${flag} needs a value: expected ${allowed}`,
        );
      }
      i++;
      return next;
    };
    if (BOOL_FLAGS.includes(flag)) {
      if (inline !== undefined) {
        throw new FlagError(
          `bench: ${flag}=${
            JSON.stringify(inline)
          } is invalid: ${flag} takes no value`,
        );
      }
      if (flag === "--help" || flag === "-h") return { help: true };
      if (flag === "--smoke") smoke = true;
      if (flag === "--no-wrk") noWrk = true;
    } else if (flag in INT_FLAGS) {
      const { key, min, max } = INT_FLAGS[flag];
      ints[key] = parseInt(
        flag,
        takeValue(`an integer from ${min} to ${max}`),
        min,
        max,
      );
    } else if (STRING_FLAGS.includes(flag)) {
      const what = flag === "--ref" ? "a git revision" : "a path";
      const value = takeValue(what);
      if (value === "") {
        throw new FlagError(
          `bench: ${flag}="" is invalid: expected ${
            flag === "--ref" ? what : "a non-empty path"
          }`,
        );
      }
      if (flag === "--json") jsonPath = value;
      else if (flag === "--ref") ref = value;
      else profileDir = value;
    } else {
      throw new FlagError(
        `bench: unknown flag ${
          JSON.stringify(arg)
        }: expected one of ${FLAG_SUMMARY}`,
      );
    }
  }
  const base = smoke ? SMOKE : FULL;
  return {
    help: false,
    options: {
      smoke,
      noWrk,
      jsonPath,
      profileDir,
      ref,
      pairs: ints.pairs ?? base.pairs,
      durationS: ints.durationS ?? base.durationS,
      warmupS: ints.warmupS ?? base.warmupS,
      rate: ints.rate ?? base.rate,
      connections: ints.connections ?? base.connections,
      memoryS: ints.memoryS ?? base.memoryS,
    },
  };
}
