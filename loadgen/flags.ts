/**
 * loadgen's settings from its command-line flags, each with an environment
 * equivalent (a flag wins over its variable; a blank variable counts as
 * unset), validated: a bad value is a {@link ConfigError} naming the flag or
 * variable, the value and what is allowed.
 *
 * @module
 */
import { ConfigError, type EnvSource, invalid } from "../lib/env.ts";
import { parseDuration } from "../lib/duration.ts";
import { FlagError, parseFlags } from "../lib/flags.ts";
import { parseHttpUrl } from "../lib/http_url.ts";
import { MAX_SEED, type MixEntry, type MsRange, randomSeed } from "./mix.ts";

/** Reads a value given as `name` (the flag or the variable); throws a {@link ConfigError}. */
type Reader<T> = (name: string, value: string) => T;

/** A reader of what `parse` accepts; `undefined` from it is the one-line error. */
function reader<T>(
  allowed: string,
  parse: (value: string) => T | undefined,
): Reader<T> {
  return (name, value) => {
    const parsed = parse(value);
    if (parsed === undefined) throw invalid(name, value, allowed);
    return parsed;
  };
}

/** A plain decimal: no sign, no exponent. */
const readRate = reader("a number from 0.001 to 100000 (per second)", (v) => {
  const n = /^(\d+\.?\d*|\.\d+)$/.test(v.trim()) ? Number(v) : NaN;
  return n >= 0.001 && n <= 100_000 ? n : undefined;
});

function integer(min: number, max: number): Reader<number> {
  return reader(`an integer from ${min} to ${max}`, (v) => {
    const n = /^[0-9]+$/.test(v.trim()) ? Number(v) : NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  });
}

/** A duration from `minMs` to `max`; `0s` too when it turns something off. */
function duration(minMs: number, max: string, zero = false): Reader<number> {
  const maxMs = parseDuration(max)!;
  const from = zero ? `0s or ${minMs}ms` : `${minMs}ms`;
  return reader(
    `a duration such as 500ms, 30s, 5m or 1h, from ${from} to ${max}`,
    (v) => {
      const ms = parseDuration(v, { fractions: true });
      const inRange = ms !== undefined && ms <= maxMs &&
        (ms >= minMs || (zero && ms === 0));
      return inRange ? ms : undefined;
    },
  );
}

const readBoolean = reader("true or false", (v) => {
  const lower = v.trim().toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : undefined;
});

const readUrl: Reader<URL> = (name, value) => {
  const parsed = parseHttpUrl(value);
  if ("expected" in parsed) throw invalid(name, value, parsed.expected);
  return parsed.url;
};

const MIX_ALLOWED =
  "comma-separated path:weight pairs with paths starting with / and integer weights, at least one above 0 (e.g. /:80,/work:19,/error:1)";

/** Parses a mix such as `/:80,/work:19,/error:1`. */
export const parseMix: Reader<MixEntry[]> = (name, value) => {
  const bad = (detail: string) =>
    invalid(name, value, `${MIX_ALLOWED} (${detail})`);
  const entries: MixEntry[] = [];
  for (const item of value.split(",")) {
    const match = /^\s*(\/[^\s:,?#]*)\s*:\s*([0-9]+)\s*$/.exec(item);
    const [, path, weight] = match ?? [];
    if (!Number.isSafeInteger(Number(weight))) {
      throw bad(`bad item ${JSON.stringify(item)}`);
    }
    if (entries.some((e) => e.path === path)) {
      throw bad(`${path} appears twice`);
    }
    entries.push({ path, weight: Number(weight) });
  }
  if (!entries.some((e) => e.weight > 0)) throw bad("all weights are 0");
  return entries;
};

/** `MIN-MAX` or a single `N`, up to the service's default `MAX_WORK_MS`. */
export const parseMsRange = reader(
  "MIN-MAX or N in milliseconds, integers from 0 to 10000 with MIN <= MAX (e.g. 100-500)",
  (v): MsRange | undefined => {
    const match = /^\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*)?$/.exec(v);
    const min = Number(match?.[1]);
    const max = Number(match?.[2] ?? match?.[1]);
    return min >= 0 && max >= min && max <= 10_000 ? { min, max } : undefined;
  },
);

interface FlagSpec<T = unknown> {
  /** The flag and the placeholder of its value (none for a switch). */
  readonly flag: string;
  readonly env: string;
  /** Read as if given when neither the flag nor its variable is. */
  readonly default?: string;
  /** What the usage says instead when there is no default. */
  readonly unset?: string;
  readonly help: string;
  readonly read: Reader<T>;
}

/** Every flag, keyed by the {@link LoadgenConfig} field it sets. */
const OPTIONS = {
  target: {
    flag: "--target URL",
    env: "TARGET_BASE_URL",
    default: "http://localhost:8000",
    help: "base URL of the service",
    read: readUrl,
  },
  rate: {
    flag: "--rate N",
    env: "LOADGEN_RATE",
    default: "2.5",
    help: "requests per second (open loop: arrivals do not wait for answers)",
    read: readRate,
  },
  concurrency: {
    flag: "--concurrency N",
    env: "LOADGEN_CONCURRENCY",
    default: "50",
    help:
      "cap on requests in flight; arrivals over it are counted as shortfall",
    read: integer(1, 100_000),
  },
  durationMs: {
    flag: "--duration D",
    env: "LOADGEN_DURATION",
    unset: "forever",
    help: "stop after this long (500ms, 30s, 5m, 1h)",
    read: duration(1, "10000h"),
  },
  requests: {
    flag: "--requests N",
    env: "LOADGEN_REQUESTS",
    unset: "no limit",
    help: "stop after N arrivals (sent plus shortfall)",
    read: integer(1, 1_000_000_000),
  },
  mix: {
    flag: "--mix MIX",
    env: "LOADGEN_MIX",
    default: "/:80,/work:19,/error:1",
    help: "paths and relative weights",
    read: parseMix,
  },
  workMs: {
    flag: "--work-ms MIN-MAX",
    env: "LOADGEN_WORK_MS",
    default: "100-500",
    help: "range of ms asked of /work (uniform)",
    read: parseMsRange,
  },
  seed: {
    flag: "--seed N",
    env: "LOADGEN_SEED",
    unset: "random",
    help: "seed of the route and ms draws (0 to 4294967295)",
    read: integer(0, MAX_SEED),
  },
  json: {
    flag: "--json",
    env: "LOADGEN_JSON",
    default: "false",
    help: "the summary alone on stdout as one JSON object; logs to stderr",
    read: readBoolean,
  },
  timeoutMs: {
    flag: "--timeout D",
    env: "LOADGEN_TIMEOUT",
    default: "10s",
    help: "per-request timeout",
    read: duration(1, "1h"),
  },
  progressMs: {
    flag: "--progress D",
    env: "LOADGEN_PROGRESS",
    default: "5s",
    help: "interval of progress lines (0s: none)",
    read: duration(100, "1h", true),
  },
} satisfies Record<string, FlagSpec>;

/**
 * Everything a loadgen run needs: the value of every flag (`undefined` for
 * one without a default and not given), and the mix as given, for reports.
 */
export type LoadgenConfig =
  & {
    readonly [K in keyof typeof OPTIONS]:
      | ReturnType<(typeof OPTIONS)[K]["read"]>
      | ((typeof OPTIONS)[K] extends { default: string } ? never : undefined);
  }
  & { readonly seed: number; readonly mixText: string };

/** Every flag with its environment variable, in help order. */
export const FLAGS: readonly FlagSpec[] = Object.values(OPTIONS);

export const LOADGEN_USAGE = (() => {
  const rows = FLAGS.map((f) => [
    `  ${f.flag}`,
    f.env,
    `${f.help} (default ${f.default ?? f.unset})`,
  ]);
  const [w0, w1] = [0, 1].map((i) =>
    Math.max(...rows.map((r) => r[i].length)) + 2
  );
  return `Usage: space-app loadgen [flags]

Sends synthetic traffic to space-app, traced as the service "loadgen".

Flags (environment equivalent; a flag wins):
${rows.map((r) => r[0].padEnd(w0) + r[1].padEnd(w1) + r[2]).join("\n")}
  --help, -h

OTEL_* variables configure its telemetry as for the service (OTEL_SERVICE_NAME
defaults to loadgen). SIGINT/SIGTERM stop it: the summary is printed, exit 0.`;
})();

/** `--rate` of `--rate N`. */
const flagName = (spec: FlagSpec) => spec.flag.split(" ")[0];

/** The `node:util` parseArgs options of {@link FLAGS}, and `--help`. */
const PARSE_OPTIONS = Object.fromEntries([
  ...FLAGS.map((f) => [
    flagName(f).slice(2),
    { type: f.flag.includes(" ") ? "string" : "boolean" },
  ]),
  ["help", { type: "boolean", short: "h" }],
]) as Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * Reads the command line `args` (after `loadgen`) and the environment: a
 * config, or a request for help. `seedSource` supplies a seed when none is
 * given.
 */
export function parseLoadgenArgs(
  args: readonly string[],
  env: EnvSource,
  seedSource: () => number = randomSeed,
): { help: true } | { help: false; config: LoadgenConfig } {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseFlags(args, PARSE_OPTIONS).values as typeof flags;
  } catch (error) {
    if (error instanceof FlagError) throw new ConfigError(error.message);
    throw error;
  }
  if (flags.help) return { help: true };

  /** The flag's value, else its variable's, else the default; with the name it goes by. */
  const raw = (spec: FlagSpec): [name: string, value: string] | undefined => {
    const name = flagName(spec);
    const given = flags[name.slice(2)];
    if (given !== undefined) return [name, String(given)];
    const fromEnv = env(spec.env);
    if (fromEnv?.trim()) return [spec.env, fromEnv];
    if (spec.default !== undefined) return [name, spec.default];
  };
  const values = Object.fromEntries(
    Object.entries(OPTIONS).map(([key, spec]: [string, FlagSpec]) => {
      const given = raw(spec);
      return [key, given && spec.read(...given)];
    }),
  );
  const config = {
    ...values,
    seed: values.seed ?? seedSource(),
    mixText: raw(OPTIONS.mix)![1].trim(),
  } as LoadgenConfig;
  return { help: false, config };
}
