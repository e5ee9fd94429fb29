/**
 * `deno task bench`: what the telemetry costs, the variants of
 * bench/variants.ts side by side: rounds of fresh processes, one table, the
 * targets; with `--json PATH` the same as JSON.
 *
 * Its flags are validated up front: a bad flag is a {@link FlagError} whose
 * message is one line naming the flag, the value and what is allowed.
 *
 * Exit codes: 0 figures produced (whatever the targets say; a variant that
 * could not be prepared is reported, not a failure); 1 a run failed or
 * figures are missing, or, with `--smoke`, `own` lost telemetry; 2 bad flags.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { printErr, printOut } from "../lib/output.ts";
import { run } from "../lib/process.ts";
import { FlagError, parseFlags } from "../lib/flags.ts";
import { createLoadGenerator } from "./load.ts";
import { startSink } from "./otlp_sink.ts";
import {
  backgroundLoadPct,
  clockTicksPerSecond,
  detectPinning,
  pinSelf,
} from "./proc.ts";
import { renderProfileSummary, summarizeDir } from "./profile_summary.ts";
import { killAll, type RunContext, runOnce, type RunResult } from "./run.ts";
import { type Outcome, renderReport, summarize, TARGETS } from "./summary.ts";
import {
  METRIC_INTERVAL_MS,
  type ServerCommand,
  Unavailable,
  variant,
  VARIANTS,
} from "./variants.ts";

export type BenchOptions = Readonly<
  Extract<ReturnType<typeof parseBenchFlags>, { help: false }>["options"]
>;

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

const USAGE = `deno task bench: what the telemetry costs, variants side by side

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

const invalid = (flag: string, value: unknown, why: string) =>
  new FlagError(`--${flag}=${JSON.stringify(value)} is invalid: ${why}`);

/** The settings `args` ask for, defaults filled in; throws {@link FlagError}. */
export function parseBenchFlags(args: readonly string[]) {
  const { values: v } = parseFlags(args, OPTIONS);
  if (v.help) return { help: true } as const;
  const int = (flag: keyof typeof LIMITS) => {
    const value = v[flag];
    if (value === undefined) return (v.smoke ? SMOKE : FULL)[flag];
    const [min, max] = LIMITS[flag];
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (n >= min && n <= max) return n;
    throw invalid(flag, value, `expected an integer from ${min} to ${max}`);
  };
  const names = v.variants?.split(",").map((s) => s.trim()) ?? IDS;
  const bad = names.find((n) => !IDS.includes(n));
  if (bad !== undefined) {
    const subset = `a comma-separated subset of ${IDS.join(", ")}`;
    const why = `unknown variant ${JSON.stringify(bad)}: expected ${subset}`;
    throw invalid("variants", v.variants, why);
  }
  const options = {
    /** CI mode: one round, short phases; fails only on missing figures or `own` losing telemetry. */
    smoke: v.smoke ?? false,
    rounds: int("rounds"),
    /** Seconds of the fixed-rate phase and of the saturation phase, each. */
    durationS: int("duration"),
    /** Seconds of warm-up at saturation before measuring. */
    warmupS: int("warmup"),
    /** Requests/s of the fixed-rate phase. */
    rate: int("rate"),
    connections: int("connections"),
    /** Ids of the variants to run, in run order. */
    variants: IDS.filter((id) => names.includes(id)),
    /** One extra `own` run under `--cpu-prof` writing here, summarized. */
    profileDir: v.profile,
    jsonPath: v.json,
    /** The Deno fallback for saturation even where wrk is installed. */
    noWrk: v["no-wrk"] ?? false,
  };
  return { help: false, options } as const;
}

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The bench's temporary directory, for an interrupted run to remove. */
let workDir: string | undefined;

const firstLine = (e: unknown) =>
  (e instanceof Error ? e.message : String(e)).split("\n")[0];

async function git(...args: string[]): Promise<string> {
  const out = await run(["git", ...args], { cwd: ROOT });
  if (out.code !== 0) {
    throw new Error(`git ${args.join(" ")}: ${out.stderr.trim()}`);
  }
  return out.stdout;
}

/**
 * Copies the working tree (tracked and untracked files, not ignored ones)
 * into `dir`, so every run measures the same code even while the tree
 * changes under it; returns one line about it.
 */
async function snapshotCode(dir: string): Promise<string> {
  const commit = (await git("rev-parse", "HEAD")).trim();
  const changed = (await git("status", "--porcelain")).split("\n")
    .filter((l) => l.trim()).length;
  const files = (await git("ls-files", "-z", "-co", "--exclude-standard"))
    .split("\0").filter(Boolean);
  for (const file of files) {
    // Skips what the working tree deleted.
    const stat = await Deno.stat(join(ROOT, file)).catch(() => undefined);
    if (!stat?.isFile) continue;
    await Deno.mkdir(dirname(join(dir, file)), { recursive: true });
    await Deno.copyFile(join(ROOT, file), join(dir, file));
  }
  return `working tree at start: ${commit.slice(0, 12)}${
    changed > 0 ? ` + ${changed} uncommitted file(s)` : ""
  } (copied, so every run measures the same code)`;
}

/** Runs the whole bench; resolves with the exit code. */
export async function bench(o: BenchOptions): Promise<number> {
  if (Deno.build.os !== "linux") {
    printErr("bench: needs Linux (/proc) to read CPU time and RSS");
    return 1;
  }
  const t0 = performance.now();
  const elapsed = () => ((performance.now() - t0) / 1000).toFixed(0);
  const progress = (line: string) => printErr(`[bench ${elapsed()}s] ${line}`);
  const pinning = await detectPinning();
  const selfPinned = await pinSelf(pinning);
  const load = await createLoadGenerator(pinning, !o.noWrk);
  const clockTicks = await clockTicksPerSecond();
  const busyPct = await backgroundLoadPct(1_000, clockTicks);
  const dir = workDir = await Deno.makeTempDir({ prefix: "space-app-bench-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  const codeDir = join(dir, "code");
  let code;
  try {
    code = await snapshotCode(codeDir);
  } catch (error) {
    printErr(`bench: ${firstLine(error)}`);
    await cleanup();
    return 1;
  }
  const sink = await startSink();
  const ctx: RunContext = {
    options: o,
    pinning,
    load,
    sink,
    workDir: dir,
    clockTicks,
    progress,
  };
  const mode = o.smoke ? "SMOKE: short, figures not comparable" : "full";
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ??
    "unknown";
  const unpinned = pinning.loadCpu !== undefined && !selfPinned;
  const header = [
    `space-app bench (${mode}): ${o.rounds} round(s) of ${
      o.variants.join(", ")
    }, each run a fresh process`,
    `  per run: warm-up ${o.warmupS} s at saturation; ${o.rate} req/s for ${o.durationS} s; saturation with ${o.connections} connections for ${o.durationS} s; GET /`,
    `  saturation load: ${load.tool}${
      load.fallback ? "  <-- FALLBACK: not comparable with wrk runs" : ""
    }`,
    `  pinning: ${pinning.description}${
      unpinned ? " (the harness could not pin itself)" : ""
    }`,
    `  code: ${code}`,
    `  machine: ${cpu}, ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}; exporting variants send metrics every ${METRIC_INTERVAL_MS} ms`,
    ...o.variants.map((id) => `  ${id}: ${variant(id).label}`),
  ];
  if (busyPct > 10) {
    header.push(
      `  WARNING: the machine was busy before the bench started (${
        busyPct.toFixed(0)
      }% of a core): figures disturbed`,
    );
  }
  printErr(header.join("\n"));

  const prep = { codeDir, smoke: o.smoke, progress };
  const outcomes: (Outcome & { command?: ServerCommand })[] = [];
  const runs: RunResult[] = [];
  const failures: string[] = [];
  let profile;
  try {
    for (const v of o.variants.map(variant)) {
      try {
        outcomes.push({ variant: v, command: await v.prepare(prep) });
      } catch (error) {
        const skipped = error instanceof Unavailable && error.skipped;
        const reason = firstLine(error);
        progress(`${v.id}: ${skipped ? "skipped" : "FAILED"}: ${reason}`);
        outcomes.push({ variant: v, unavailable: { reason, skipped } });
      }
    }
    for (let round = 1; round <= o.rounds; round++) {
      for (const { variant: v, command } of outcomes) {
        if (!command) continue;
        try {
          runs.push(await runOnce(ctx, v, command, round));
        } catch (error) {
          failures.push(`${v.id} round ${round}: ${firstLine(error)}`);
          progress(failures.at(-1)!);
        }
      }
    }
    if (o.profileDir) {
      const to = resolve(o.profileDir);
      await Deno.mkdir(to, { recursive: true });
      progress(
        `profile: one more ${TARGETS.variant} run under --cpu-prof into ${to}, not in the figures`,
      );
      const v = variant(TARGETS.variant);
      await runOnce(ctx, v, await v.prepare({ ...prep, profileDir: to }), 0);
      profile = summarizeDir(to, pathToFileURL(`${codeDir}/`).href);
    }
  } catch (error) {
    failures.push(`bench stopped: ${firstLine(error)}`);
  } finally {
    await sink.close();
    await cleanup();
  }

  const summary = summarize(outcomes, runs);
  summary.failures.unshift(...failures);
  printOut(renderReport(summary, header, o.rate));
  if (profile) {
    printOut("\n" + renderProfileSummary(profile.summary, profile.file));
  }
  const failed = summary.failures.length > 0 ||
    (o.smoke && summary.losses.length > 0);
  if (o.jsonPath) {
    const path = resolve(o.jsonPath);
    const report = {
      schema: "space-app-bench/2",
      generatedAt: new Date().toISOString(),
      ok: !failed,
      settings: o,
      environment: {
        header,
        clockTicks,
        backgroundCpuPct: busyPct,
        harnessPinned: selfPinned,
      },
      ...summary,
      runs,
      profile,
    };
    await Deno.mkdir(dirname(path), { recursive: true });
    // JSON.stringify writes infinite and NaN figures as null.
    await Deno.writeTextFile(path, JSON.stringify(report, null, 2) + "\n");
    printOut(`\nJSON: ${path}`);
  }
  if (summary.failures.length > 0) printErr("bench: failed (see FAILED above)");
  else if (failed) {
    printErr(
      `bench: ${TARGETS.variant} lost telemetry (smoke runs fail on loss)`,
    );
  }
  return failed ? 1 : 0;
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      printErr(`bench: ${signal}: stopping the servers`);
      killAll();
      try {
        if (workDir) Deno.removeSync(workDir, { recursive: true });
      } catch {
        // already removed
      }
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  let exit = 2;
  try {
    const parsed = parseBenchFlags(Deno.args);
    if (parsed.help) printOut(USAGE);
    exit = parsed.help ? 0 : await bench(parsed.options);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    printErr(`bench: ${error.message}`);
  }
  Deno.exit(exit);
}
