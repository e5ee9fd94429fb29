/**
 * Command-line flags of `deno task bench`, parsed with the repository's
 * parser and validated up front: a bad flag is a {@link FlagError} whose
 * message is one line naming the flag, the value and what is allowed.
 *
 * @module
 */
import { FlagError, parseFlags } from "../lib/flags.ts";
import { VARIANTS } from "./variants.ts";

export { FlagError };

/** Settings of one bench invocation. */
export type BenchOptions = Readonly<ReturnType<typeof options>>;

const OPTIONS = {
  smoke: { type: "boolean" },
  rounds: { type: "string" },
  duration: { type: "string" },
  warmup: { type: "string" },
  rate: { type: "string" },
  connections: { type: "string" },
  variants: { type: "string" },
  profile: { type: "string" },
  json: { type: "string" },
  "no-wrk": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const FULL = { rounds: 3, duration: 10, warmup: 2, rate: 500, connections: 50 };
const SMOKE = { ...FULL, rounds: 1, duration: 1, warmup: 1 };
const LIMITS = {
  rounds: [1, 20],
  duration: [1, 600],
  warmup: [0, 600],
  rate: [1, 100_000],
  connections: [1, 10_000],
} as const;
const IDS = VARIANTS.map((v) => v.id);

/** The `--help` text. */
export const USAGE =
  `deno task bench: what the telemetry costs, variants side by side

Each round runs every variant once, in this order, each a fresh process on
CPU 0 (taskset): warm-up at saturation; a fixed rate (latency, CPU per
request); saturation with wrk, or a labelled Deno client without it (req/s,
CPU per request); SIGTERM, the shutdown flush, and what a local OTLP sink got.
  ${VARIANTS.map((v) => `${v.id}: ${v.label}`).join("\n  ")}

  --smoke          CI: ${SMOKE.rounds} round, ${SMOKE.duration} s phases, fastapi only if its venv is built;
                   exits 1 only on missing figures or telemetry lost by own
  --rounds N       rounds (default ${FULL.rounds})
  --duration S     seconds of the fixed-rate and of the saturation phase (default ${FULL.duration})
  --warmup S       seconds of warm-up per run (default ${FULL.warmup}; 0 skips it)
  --rate R         requests/s of the fixed-rate phase (default ${FULL.rate})
  --connections C  connections at saturation (default ${FULL.connections})
  --variants a,b   a subset of ${IDS.join(",")}
  --profile DIR    one extra own run under --cpu-prof into DIR, summarized
  --json PATH      the report as JSON to PATH too
  --no-wrk         the Deno fallback even where wrk is installed`;

function integer(flag: keyof typeof LIMITS, value: string): number {
  const [min, max] = LIMITS[flag];
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (n >= min && n <= max) return n;
  throw new FlagError(
    `--${flag}=${
      JSON.stringify(value)
    } is invalid: expected an integer from ${min} to ${max}`,
  );
}

/** Ids named in `value` (comma-separated), in run order. */
export function parseVariants(value: string): string[] {
  const names = value.split(",").map((s) => s.trim());
  const bad = names.find((n) => !IDS.includes(n));
  if (bad === undefined) return IDS.filter((id) => names.includes(id));
  throw new FlagError(
    `--variants=${JSON.stringify(value)} is invalid: unknown variant ${
      JSON.stringify(bad)
    }: expected a comma-separated subset of ${IDS.join(", ")}`,
  );
}

/** The settings `v` asks for, defaults filled in. */
function options(v: ReturnType<typeof parseFlags<typeof OPTIONS>>["values"]) {
  const int = (flag: keyof typeof LIMITS) =>
    v[flag] === undefined
      ? (v.smoke ? SMOKE : FULL)[flag]
      : integer(flag, v[flag]);
  return {
    /** CI mode: one round, short phases; fails only on missing figures or `own` losing telemetry. */
    smoke: v.smoke ?? false,
    rounds: int("rounds"),
    /** Seconds of the fixed-rate phase and of the saturation phase, each. */
    durationS: int("duration"),
    /** Seconds of warm-up at saturation before measuring. */
    warmupS: int("warmup"),
    /** Requests/s of the fixed-rate phase. */
    rate: int("rate"),
    /** Connections at saturation. */
    connections: int("connections"),
    /** Ids of the variants to run, in run order. */
    variants: v.variants === undefined ? IDS : parseVariants(v.variants),
    /** One extra `own` run under `--cpu-prof` writing here, summarized. */
    profileDir: v.profile,
    /** The report as JSON goes here too. */
    jsonPath: v.json,
    /** The Deno fallback for saturation even where wrk is installed. */
    noWrk: v["no-wrk"] ?? false,
  };
}

/** Parses the bench's arguments; throws {@link FlagError}. */
export function parseBenchFlags(
  args: readonly string[],
): { help: true } | { help: false; options: BenchOptions } {
  const { values } = parseFlags(args, OPTIONS);
  return values.help
    ? { help: true }
    : { help: false, options: options(values) };
}
