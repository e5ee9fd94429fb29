/**
 * `deno task bench`: what the telemetry costs. Runs the service with
 * telemetry on (exporting to a local OTLP sink) and off
 * (`OTEL_SDK_DISABLED=true`), A B A B in fresh processes, under wrk (or the
 * labelled Deno fallback), then a memory run with the collector refusing
 * connections; prints a table and writes the same figures as JSON.
 *
 * Exit codes: 0 figures produced (full mode: whatever the targets say);
 * 1 something failed to run or figures are missing, or, with `--smoke`,
 * telemetry was lost; 2 bad flags.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { printErr, printOut } from "../lib/output.ts";
import { which } from "./exec.ts";
import { type BenchOptions, FlagError, parseFlags, USAGE } from "./flags.ts";
import { createLoadGenerator } from "./loadgen.ts";
import { type MemoryRunResult, runMemory } from "./memory_run.ts";
import { startSink } from "./otlp_sink.ts";
import { detectPinning, pinSelf } from "./pinning.ts";
import { clockTicksPerSecond } from "./proc.ts";
import {
  type ProfileSummary,
  renderProfileSummary,
  summarizeFile,
} from "./profile_summary.ts";
import { renderReport } from "./report.ts";
import {
  backgroundLoadPct,
  type RunContext,
  type RunResult,
  runVariant,
} from "./run.ts";
import { killAll, serviceDenoFlags } from "./service.ts";
import { snapshotCode } from "./snapshot.ts";
import { summarize } from "./summary.ts";
import { METRIC_INTERVAL_MS, type Variant, VARIANT_LABEL } from "./variants.ts";
import { wrkVersion } from "./wrk.ts";

/** Background CPU (percent of one core) above which the report warns. */
const BUSY_PCT = 10;

/** Version of the JSON layout. */
export const JSON_SCHEMA = "space-app-bench/1";

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

function onlineCpus(): number {
  return navigator.hardwareConcurrency ?? 0;
}

/** Runs the whole bench; resolves with the exit code. */
export async function bench(options: BenchOptions): Promise<number> {
  if (Deno.build.os !== "linux") {
    printErr(
      "bench: needs Linux (/proc) to read the service's CPU time and RSS",
    );
    return 1;
  }
  const started = performance.now();
  const progress = (line: string) =>
    printErr(
      `[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${line}`,
    );
  const pinning = detectPinning();
  const selfPinned = await pinSelf(pinning);
  const wrk = options.noWrk ? undefined : which("wrk");
  const wrkLabel = wrk ? await wrkVersion(wrk) : undefined;
  const load = createLoadGenerator(pinning, wrk, wrkLabel);
  const clockTicks = clockTicksPerSecond();
  const backgroundPct = await backgroundLoadPct(2_000, clockTicks);
  const workDir = await Deno.makeTempDir({ prefix: "space-app-bench-" });
  let code;
  try {
    code = await snapshotCode(workDir, options.ref);
  } catch (error) {
    printErr(`bench: ${(error as Error).message}`);
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
    return 1;
  }
  const sink = await startSink();
  const ctx: RunContext = {
    options,
    pinning,
    load,
    sink,
    workDir,
    codeDir: code.dir,
    clockTicks,
    progress,
  };
  const serviceCommand = `deno run ${
    serviceDenoFlags(code.dir).join(" ")
  } main.ts serve`;
  const environment = {
    serviceCommand,
    code: {
      commit: code.commit,
      changedFiles: code.changedFiles,
      description: code.description,
    },
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    cpuModel: cpuModel(),
    onlineCpus: onlineCpus(),
    clockTicks,
    saturationTool: load.saturationTool,
    saturationFallback: load.fallback,
    fixedRateTool: "bench/rate_client.ts (Deno, open loop)",
    pinning: pinning.description,
    harnessPinned: selfPinned,
    backgroundCpuPctBeforeStart: backgroundPct,
    sink:
      `bench/otlp_sink.ts at ${sink.endpoint} (OTLP/HTTP, protobuf default)`,
  };
  const header = [
    `space-app bench (${
      options.smoke ? "SMOKE mode: short, figures not comparable" : "full"
    }): telemetry on (A) vs ${VARIANT_LABEL.B} (B)`,
    `  ${options.pairs} pair(s) A B alternating, each a fresh '${serviceCommand}'; warm-up ${options.warmupS} s; fixed rate ${options.rate} req/s for ${options.durationS} s; saturation ${options.connections} connections for ${options.durationS} s; GET /`,
    `  saturation load: ${load.saturationTool}${
      load.fallback
        ? "  <-- FALLBACK, wrk not used: figures not comparable with wrk runs"
        : ""
    }`,
    `  pinning: ${pinning.description}${
      pinning.taskset && !selfPinned ? " (harness could not pin itself)" : ""
    }`,
    `  code: ${code.description}`,
    `  machine: ${environment.cpuModel}, ${environment.onlineCpus} CPUs, Deno ${environment.deno}; A exports to the sink every ${METRIC_INTERVAL_MS} ms (metrics), batches per OTEL_BSP/BLRP defaults`,
  ];
  if (backgroundPct > BUSY_PCT) {
    header.push(
      `  WARNING: the machine was already busy before the bench started (${
        backgroundPct.toFixed(0)
      }% of a core): other processes disturb the figures`,
    );
  }
  printErr(header.join("\n"));

  const runs: RunResult[] = [];
  let memory: MemoryRunResult | undefined;
  let memoryControl: MemoryRunResult | undefined;
  let profile: { file: string; summary: ProfileSummary } | undefined;
  const errors: string[] = [];
  try {
    for (let pair = 1; pair <= options.pairs; pair++) {
      for (const variant of ["A", "B"] as Variant[]) {
        runs.push(await runVariant(ctx, variant, pair));
      }
    }
    if (options.memoryS > 0) {
      memory = await runMemory(ctx, options.memoryS, "down");
      memoryControl = await runMemory(ctx, options.memoryS, "up");
    }
    if (options.profileDir) {
      const dir = resolve(options.profileDir);
      await Deno.mkdir(dir, { recursive: true });
      progress(
        `profile: one more telemetry-on run under --cpu-prof (${dir}); not in the figures`,
      );
      await runVariant(ctx, "A", 0, dir);
      profile = summarizeFile(dir, {
        top: 25,
        root: pathToFileURL(`${code.dir}/`).href,
      });
    }
  } catch (error) {
    errors.push(`bench stopped: ${(error as Error).message}`);
  } finally {
    await sink.close();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }

  const summary = summarize(
    runs,
    memory,
    options.memoryS > 0,
    memoryControl,
  );
  summary.failures.unshift(...errors);
  printOut(
    renderReport(runs, memory, summary, {
      rate: options.rate,
      header,
      memoryControl,
    }),
  );
  if (profile) {
    printOut("\n" + renderProfileSummary(profile.summary, profile.file));
  }

  const failed = summary.failures.length > 0 ||
    (options.smoke && summary.losses.length > 0);
  const jsonPath = resolve(options.jsonPath);
  await Deno.mkdir(dirname(jsonPath), { recursive: true });
  await Deno.writeTextFile(
    jsonPath,
    JSON.stringify(
      {
        schema: JSON_SCHEMA,
        generatedAt: new Date().toISOString(),
        mode: options.smoke ? "smoke" : "full",
        ok: !failed,
        settings: options,
        environment,
        summary,
        runs,
        memoryRun: memory,
        memoryControl,
        profile,
      },
      (_key, value) =>
        typeof value === "number" && !Number.isFinite(value) ? null : value,
      2,
    ) + "\n",
  );
  printOut(`\nJSON: ${jsonPath}`);
  if (failed) {
    printErr(
      options.smoke && summary.losses.length > 0 &&
        summary.failures.length === 0
        ? "bench: telemetry was lost (smoke mode fails on loss)"
        : "bench: failed (see FAILED above)",
    );
  }
  return failed ? 1 : 0;
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      printErr(`bench: ${signal}: stopping the service processes`);
      killAll();
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  let code: number;
  try {
    const parsed = parseFlags(Deno.args);
    if (parsed.help) {
      printOut(USAGE);
      code = 0;
    } else {
      code = await bench(parsed.options);
    }
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    printErr(error.message);
    code = 2;
  }
  Deno.exit(code);
}
