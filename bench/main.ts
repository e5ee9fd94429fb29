/**
 * `deno task bench`: what the telemetry costs, the variants of
 * bench/variants.ts side by side: rounds of fresh processes, one table, the
 * targets; with `--json PATH` the same as JSON.
 *
 * Exit codes: 0 figures produced (whatever the targets say; a variant that
 * could not be prepared is reported, not a failure); 1 a run failed or
 * figures are missing, or, with `--smoke`, `own` lost telemetry; 2 bad flags.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { printErr, printOut } from "../lib/output.ts";
import {
  type BenchOptions,
  FlagError,
  parseBenchFlags,
  USAGE,
} from "./flags.ts";
import { createLoadGenerator } from "./load.ts";
import { startSink } from "./otlp_sink.ts";
import { detectPinning, pinSelf } from "./pinning.ts";
import { backgroundLoadPct, clockTicksPerSecond } from "./proc.ts";
import { renderProfileSummary, summarizeFile } from "./profile_summary.ts";
import { renderReport } from "./report.ts";
import { type RunContext, runOnce, type RunResult } from "./run.ts";
import { killAll } from "./server.ts";
import { snapshotCode } from "./snapshot.ts";
import { type Outcome, summarize, TARGETS } from "./summary.ts";
import {
  METRIC_INTERVAL_MS,
  type ServerCommand,
  Unavailable,
  variant,
} from "./variants.ts";

/** The bench's temporary directory, for an interrupted run to remove. */
const workDirs: string[] = [];

/** Version of the JSON layout. */
export const JSON_SCHEMA = "space-app-bench/2";

const firstLine = (e: unknown) =>
  (e instanceof Error ? e.message : String(e)).split("\n")[0];

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Runs the whole bench; resolves with the exit code. */
export async function bench(o: BenchOptions): Promise<number> {
  if (Deno.build.os !== "linux") {
    printErr("bench: needs Linux (/proc) to read CPU time and RSS");
    return 1;
  }
  const t0 = performance.now();
  const progress = (line: string) =>
    printErr(
      `[bench ${((performance.now() - t0) / 1000).toFixed(0)}s] ${line}`,
    );
  const pinning = await detectPinning();
  const selfPinned = await pinSelf(pinning);
  const load = await createLoadGenerator(pinning, !o.noWrk);
  const clockTicks = await clockTicksPerSecond();
  const busyPct = await backgroundLoadPct(1_000, clockTicks);
  const workDir = await Deno.makeTempDir({ prefix: "space-app-bench-" });
  workDirs.push(workDir);
  const cleanup = () =>
    Deno.remove(workDir, { recursive: true }).catch(() => {});
  let code;
  try {
    code = await snapshotCode(workDir);
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
    workDir,
    clockTicks,
    progress,
  };
  const fallback = load.fallback
    ? "  <-- FALLBACK: not comparable with wrk runs"
    : "";
  const unpinned = pinning.loadCpu !== undefined && !selfPinned
    ? " (the harness could not pin itself)"
    : "";
  const header = [
    `space-app bench (${
      o.smoke ? "SMOKE: short, figures not comparable" : "full"
    }): ${o.rounds} round(s) of ${
      o.variants.join(", ")
    }, each run a fresh process`,
    `  per run: warm-up ${o.warmupS} s at saturation; ${o.rate} req/s for ${o.durationS} s; saturation with ${o.connections} connections for ${o.durationS} s; GET /`,
    `  saturation load: ${load.tool}${fallback}`,
    `  pinning: ${pinning.description}${unpinned}`,
    `  code: ${code.description}`,
    `  machine: ${cpuModel()}, ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}; exporting variants send metrics every ${METRIC_INTERVAL_MS} ms`,
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

  const prep = { codeDir: code.dir, smoke: o.smoke, progress };
  const outcomes: Outcome[] = [];
  const commands = new Map<string, ServerCommand>();
  const runs: RunResult[] = [];
  const failures: string[] = [];
  let profile;
  try {
    for (const v of o.variants.map(variant)) {
      try {
        commands.set(v.id, await v.prepare(prep));
        outcomes.push({ variant: v });
      } catch (error) {
        const unavailable = {
          reason: firstLine(error),
          skipped: error instanceof Unavailable && error.skipped,
        };
        progress(
          `${v.id}: ${
            unavailable.skipped ? "skipped" : "FAILED"
          }: ${unavailable.reason}`,
        );
        outcomes.push({ variant: v, unavailable });
      }
    }
    for (let round = 1; round <= o.rounds; round++) {
      for (const { variant: v } of outcomes.filter((x) => !x.unavailable)) {
        try {
          runs.push(await runOnce(ctx, v, commands.get(v.id)!, round));
        } catch (error) {
          failures.push(`${v.id} round ${round}: ${firstLine(error)}`);
          progress(failures.at(-1)!);
        }
      }
    }
    if (o.profileDir) {
      const dir = resolve(o.profileDir);
      await Deno.mkdir(dir, { recursive: true });
      progress(
        `profile: one more ${TARGETS.variant} run under --cpu-prof into ${dir}, not in the figures`,
      );
      const v = variant(TARGETS.variant);
      await runOnce(ctx, v, await v.prepare({ ...prep, profileDir: dir }), 0);
      profile = summarizeFile(dir, {
        root: pathToFileURL(`${code.dir}/`).href,
      });
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
    const json = {
      schema: JSON_SCHEMA,
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
    await Deno.writeTextFile(
      path,
      JSON.stringify(
        json,
        (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v,
        2,
      ) + "\n",
    );
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
      for (const dir of workDirs) {
        try {
          Deno.removeSync(dir, { recursive: true });
        } catch {
          // already removed
        }
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
