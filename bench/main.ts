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
import {
  backgroundLoadPct,
  clockTicksPerSecond,
  detectPinning,
  pinSelf,
} from "./proc.ts";
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

/** Version of the JSON layout. */
export const JSON_SCHEMA = "space-app-bench/2";

/** The bench's temporary directory, for an interrupted run to remove. */
let workDir: string | undefined;

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
  const dir = workDir = await Deno.makeTempDir({ prefix: "space-app-bench-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  let code;
  try {
    code = await snapshotCode(dir);
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
  const header = [
    `space-app bench (${
      o.smoke ? "SMOKE: short, figures not comparable" : "full"
    }): ${o.rounds} round(s) of ${
      o.variants.join(", ")
    }, each run a fresh process`,
    `  per run: warm-up ${o.warmupS} s at saturation; ${o.rate} req/s for ${o.durationS} s; saturation with ${o.connections} connections for ${o.durationS} s; GET /`,
    `  saturation load: ${load.tool}${
      load.fallback ? "  <-- FALLBACK: not comparable with wrk runs" : ""
    }`,
    `  pinning: ${pinning.description}${
      pinning.loadCpu !== undefined && !selfPinned
        ? " (the harness could not pin itself)"
        : ""
    }`,
    `  code: ${code.description}`,
    `  machine: ${cpuModel()}, ${navigator.hardwareConcurrency} CPUs, Deno ${Deno.version.deno}; exporting variants send metrics every ${METRIC_INTERVAL_MS} ms`,
    ...o.variants.map((id) => `  ${id}: ${variant(id).label}`),
    ...busyPct > 10
      ? [
        `  WARNING: the machine was busy before the bench started (${
          busyPct.toFixed(0)
        }% of a core): figures disturbed`,
      ]
      : [],
  ];
  printErr(header.join("\n"));

  const prep = { codeDir: code.dir, smoke: o.smoke, progress };
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
      profile = summarizeFile(to, { root: pathToFileURL(`${code.dir}/`).href });
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
    // Infinite and NaN figures are null.
    const finite = (_k: string, v: unknown) =>
      typeof v === "number" && !Number.isFinite(v) ? null : v;
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, JSON.stringify(json, finite, 2) + "\n");
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
