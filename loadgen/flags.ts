/**
 * loadgen's settings from its command-line flags, each with an environment
 * equivalent (a flag wins over its variable), validated: a bad value is a
 * {@link ConfigError} naming the flag or variable, the value and what is
 * allowed.
 *
 * @module
 */
import { ConfigError, type EnvSource } from "../lib/env.ts";
import { FlagError, parseFlags } from "../lib/flags.ts";
import { parseHttpUrl } from "../lib/http_url.ts";
import { parseDuration } from "../lib/duration.ts";
import {
  DEFAULT_MIX,
  DEFAULT_WORK_MS,
  type MixEntry,
  type MsRange,
  parseMix,
  parseMsRange,
} from "./mix.ts";
import { MAX_SEED, randomSeed } from "./random.ts";

/** Everything a loadgen run needs. */
export interface LoadgenConfig {
  /** Base URL the mix paths are resolved against. */
  readonly target: URL;
  /** Arrivals per second. */
  readonly rate: number;
  /** Cap on requests in flight; arrivals beyond it are counted as shortfall. */
  readonly concurrency: number;
  /** Stop scheduling after this long; `undefined`: run until stopped. */
  readonly durationMs: number | undefined;
  /** Stop after this many arrivals; `undefined`: no limit. */
  readonly requests: number | undefined;
  readonly mix: readonly MixEntry[];
  /** The mix as given, for reports. */
  readonly mixText: string;
  /** Range of `ms` for `/work`. */
  readonly workMs: MsRange;
  readonly seed: number;
  /** Print the final summary as one JSON object. */
  readonly json: boolean;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  /** Interval of progress lines; 0 turns them off. */
  readonly progressMs: number;
}

/** The result of reading the command line: a config, or a request for help. */
export type ParsedArgs =
  | { readonly help: true }
  | { readonly help: false; readonly config: LoadgenConfig };

/** One flag, its variable, and how it is described. */
interface FlagSpec {
  readonly flag: string;
  readonly env: string;
  /** Placeholder for the value; absent for a boolean flag. */
  readonly arg?: string;
  readonly defaultText: string;
  readonly help: string;
}

/** Every flag with its environment variable, in help order. */
export const FLAGS: readonly FlagSpec[] = [
  {
    flag: "--target",
    env: "TARGET_BASE_URL",
    arg: "URL",
    defaultText: "http://localhost:8000",
    help: "base URL of the service",
  },
  {
    flag: "--rate",
    env: "LOADGEN_RATE",
    arg: "N",
    defaultText: "2.5",
    help: "requests per second (open loop: arrivals do not wait for answers)",
  },
  {
    flag: "--concurrency",
    env: "LOADGEN_CONCURRENCY",
    arg: "N",
    defaultText: "50",
    help:
      "cap on requests in flight; arrivals over it are counted as shortfall",
  },
  {
    flag: "--duration",
    env: "LOADGEN_DURATION",
    arg: "D",
    defaultText: "forever",
    help: "stop after this long (500ms, 30s, 5m, 1h)",
  },
  {
    flag: "--requests",
    env: "LOADGEN_REQUESTS",
    arg: "N",
    defaultText: "no limit",
    help: "stop after N arrivals (sent plus shortfall)",
  },
  {
    flag: "--mix",
    env: "LOADGEN_MIX",
    arg: "MIX",
    defaultText: DEFAULT_MIX,
    help: "paths and relative weights",
  },
  {
    flag: "--work-ms",
    env: "LOADGEN_WORK_MS",
    arg: "MIN-MAX",
    defaultText: DEFAULT_WORK_MS,
    help: "range of ms asked of /work (uniform)",
  },
  {
    flag: "--seed",
    env: "LOADGEN_SEED",
    arg: "N",
    defaultText: "random",
    help: "seed of the route and ms draws (0 to 4294967295)",
  },
  {
    flag: "--json",
    env: "LOADGEN_JSON",
    defaultText: "false",
    help: "the summary alone on stdout as one JSON object; logs to stderr",
  },
  {
    flag: "--timeout",
    env: "LOADGEN_TIMEOUT",
    arg: "D",
    defaultText: "10s",
    help: "per-request timeout",
  },
  {
    flag: "--progress",
    env: "LOADGEN_PROGRESS",
    arg: "D",
    defaultText: "5s",
    help: "interval of progress lines (0s: none)",
  },
];

/** Usage of `space-app loadgen`. */
export const LOADGEN_USAGE = (() => {
  const rows = FLAGS.map((f) => [
    `  ${f.flag}${f.arg ? ` ${f.arg}` : ""}`,
    f.env,
    `${f.help} (default ${f.defaultText})`,
  ]);
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.max(...rows.map((r) => r[1].length)) + 2;
  return `Usage: space-app loadgen [flags]

Sends synthetic traffic to space-app, traced as the service "loadgen".

Flags (environment equivalent; a flag wins):
${rows.map((r) => r[0].padEnd(w0) + r[1].padEnd(w1) + r[2]).join("\n")}
  --help, -h

OTEL_* variables configure its telemetry as for the service (OTEL_SERVICE_NAME
defaults to loadgen). SIGINT/SIGTERM stop it: the summary is printed, exit 0.`;
})();

function invalid(name: string, value: string, allowed: string): ConfigError {
  return new ConfigError(
    `${name}=${JSON.stringify(value)} is invalid: expected ${allowed}`,
  );
}

/** A raw value and the flag or variable it came from. */
interface Raw {
  readonly name: string;
  readonly value: string;
}

function readNumber(raw: Raw, min: number, max: number, allowed: string) {
  const text = raw.value.trim();
  const n = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw invalid(raw.name, raw.value, allowed);
  return n;
}

function readInteger(raw: Raw, min: number, max: number): number {
  const text = raw.value.trim();
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(n) && n >= min && n <= max)) {
    throw invalid(raw.name, raw.value, `an integer from ${min} to ${max}`);
  }
  return n;
}

function readDuration(
  raw: Raw,
  minMs: number,
  maxText: string,
  allowZero = false,
): number {
  const ms = parseDuration(raw.value, { fractions: true });
  const maxMs = parseDuration(maxText, { fractions: true })!;
  if (
    ms === undefined || ms > maxMs || (ms < minMs && !(allowZero && ms === 0))
  ) {
    const lower = allowZero ? `0s or ${minMs}ms` : `${minMs}ms`;
    throw invalid(
      raw.name,
      raw.value,
      `a duration such as 500ms, 30s, 5m or 1h, from ${lower} to ${maxText}`,
    );
  }
  return ms;
}

function readTarget(raw: Raw): URL {
  const parsed = parseHttpUrl(raw.value);
  if ("expected" in parsed) throw invalid(raw.name, raw.value, parsed.expected);
  return parsed.url;
}

function readBoolean(raw: Raw): boolean {
  const lower = raw.value.trim().toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw invalid(raw.name, raw.value, "true or false");
}

/** Splits `args` into flag values; throws on unknown flags and missing values. */
function scanArgs(args: readonly string[]): Map<string, string> | "help" {
  const options = Object.fromEntries([
    ...FLAGS.map((
      f,
    ) => [f.flag.slice(2), { type: f.arg ? "string" : "boolean" }]),
    ["help", { type: "boolean", short: "h" }],
  ]) as Record<string, { type: "string" | "boolean"; short?: string }>;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseFlags(args, options).values as typeof values;
  } catch (error) {
    if (error instanceof FlagError) throw new ConfigError(error.message);
    throw error;
  }
  if (values.help) return "help";
  return new Map(
    Object.entries(values).filter(([, v]) => v !== undefined).map((
      [name, v],
    ) => [`--${name}`, String(v)]),
  );
}

/**
 * Reads the command line `args` (after `loadgen`) and the environment.
 * `seedSource` supplies a seed when none is given.
 */
export function parseLoadgenArgs(
  args: readonly string[],
  env: EnvSource,
  seedSource: () => number = randomSeed,
): ParsedArgs {
  const values = scanArgs(args);
  if (values === "help") return { help: true };
  const raw = (flag: string): Raw | undefined => {
    const value = values.get(flag);
    if (value !== undefined) return { name: flag, value };
    const name = FLAGS.find((f) => f.flag === flag)!.env;
    const fromEnv = env(name);
    return fromEnv === undefined || fromEnv.trim() === ""
      ? undefined
      : { name, value: fromEnv };
  };
  const given = <T>(flag: string, read: (r: Raw) => T): T | undefined => {
    const r = raw(flag);
    return r === undefined ? undefined : read(r);
  };

  const mixRaw = raw("--mix") ?? { name: "--mix", value: DEFAULT_MIX };
  const workRaw = raw("--work-ms") ??
    { name: "--work-ms", value: DEFAULT_WORK_MS };
  const config: LoadgenConfig = {
    target: given("--target", readTarget) ?? new URL("http://localhost:8000"),
    rate: given(
      "--rate",
      (r) =>
        readNumber(
          r,
          0.001,
          100_000,
          "a number from 0.001 to 100000 (per second)",
        ),
    ) ?? 2.5,
    concurrency: given("--concurrency", (r) => readInteger(r, 1, 100_000)) ??
      50,
    durationMs: given("--duration", (r) => readDuration(r, 1, "10000h")),
    requests: given("--requests", (r) => readInteger(r, 1, 1_000_000_000)),
    mix: parseMix(mixRaw.name, mixRaw.value),
    mixText: mixRaw.value.trim(),
    workMs: parseMsRange(workRaw.name, workRaw.value),
    seed: given("--seed", (r) => readInteger(r, 0, MAX_SEED)) ?? seedSource(),
    json: given("--json", readBoolean) ?? false,
    timeoutMs: given("--timeout", (r) => readDuration(r, 1, "1h")) ?? 10_000,
    progressMs: given("--progress", (r) => readDuration(r, 100, "1h", true)) ??
      5_000,
  };
  return { help: false, config };
}
