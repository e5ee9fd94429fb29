/**
 * The memory run: telemetry on, the collector endpoint refusing
 * connections (a closed port), load at the fixed rate for a while; RSS is
 * sampled every second so growth from failed exports shows. The same run
 * with the collector up is the control: growth both share is the runtime's
 * (heap sizing), growth only the failing one has is the failure path's.
 *
 * @module
 */
import { mb, measureCpu, type RunContext, stopService } from "./run.ts";
import type { CpuWindow } from "./run.ts";
import type { RateResult } from "./load_result.ts";
import { readCpuTicks, readMemory } from "./proc.ts";
import { freePort, startService } from "./service.ts";
import { readServiceLog } from "./service_log.ts";
import { variantEnv } from "./variants.ts";

/** The RSS reference point: 10 s into the load, or half of a shorter run. */
export function referenceSecond(durationS: number): number {
  return Math.min(10, durationS / 2);
}

/** One RSS sample. */
export interface RssSample {
  /** Seconds since the load started. */
  readonly t: number;
  readonly rssMb: number;
  /** Service CPU ticks (user + system) so far. */
  readonly cpuTicks: number;
}

/** Whether the collector accepts (the control) or refuses connections. */
export type CollectorState = "down" | "up";

/** Results of the memory run. */
export interface MemoryRunResult {
  readonly collector: CollectorState;
  readonly durationS: number;
  readonly endpoint: string;
  readonly load: RateResult;
  /** CPU per request at the fixed rate over the whole run. */
  readonly cpu: CpuWindow;
  /**
   * CPU per request from the reference sample to the end (steady state,
   * past start-up and JIT warm-up), counting requests as rate x seconds.
   */
  readonly steadyCpuUsPerRequest: number;
  readonly rssStartMb: number;
  /** Seconds into the load of the reference sample. */
  readonly referenceS: number;
  readonly rssReferenceMb: number;
  readonly rssEndMb: number;
  /** `rssEnd / rssReference`. */
  readonly endOverReference: number;
  readonly peakRssMb: number;
  readonly samples: readonly RssSample[];
  readonly exitCode: number;
  readonly telemetryTotals: Record<string, unknown> | undefined;
  readonly warnings: Record<string, number>;
}

/** The sample at or just after `t` seconds (the last one when none is). */
export function sampleAt(samples: readonly RssSample[], t: number): RssSample {
  return samples.find((s) => s.t >= t) ?? samples[samples.length - 1];
}

/** Runs the memory run for `durationS` seconds with the collector `down` (or `up`). */
export async function runMemory(
  ctx: RunContext,
  durationS: number,
  collector: CollectorState = "down",
): Promise<MemoryRunResult> {
  // A port that was free a moment ago is closed: connections are refused.
  const endpoint = collector === "down"
    ? `http://127.0.0.1:${freePort()}`
    : ctx.sink.endpoint;
  const name = `memory-collector-${collector}`;
  ctx.sink.reset();
  const service = await startService({
    env: variantEnv("A", endpoint),
    pinning: ctx.pinning,
    workDir: ctx.workDir,
    name,
    codeDir: ctx.codeDir,
  });
  const samples: RssSample[] = [];
  const started = performance.now();
  const sample = () => {
    const cpu = readCpuTicks(service.pid);
    samples.push({
      t: (performance.now() - started) / 1000,
      rssMb: mb(readMemory(service.pid).rss),
      cpuTicks: cpu.user + cpu.system,
    });
  };
  let exitCode: number;
  let measured: [RateResult, CpuWindow];
  let peakRssMb: number;
  try {
    ctx.progress(
      `${name}: ${durationS} s at ${ctx.options.rate} req/s, ${
        collector === "down"
          ? `collector refusing connections (${endpoint})`
          : "collector up (control)"
      }`,
    );
    sample();
    const timer = setInterval(sample, 1_000);
    try {
      measured = await measureCpu(
        service.pid,
        ctx.clockTicks,
        () => ctx.load.atRate(`${service.base}/`, ctx.options.rate, durationS),
      );
    } finally {
      clearInterval(timer);
    }
    sample();
    peakRssMb = mb(readMemory(service.pid).peak);
  } finally {
    ctx.progress(`${name}: SIGTERM`);
    exitCode = await stopService(service);
  }
  const log = await readServiceLog(service.stdoutPath);
  await Deno.remove(service.stdoutPath).catch(() => {});
  const referenceS = referenceSecond(durationS);
  const reference = sampleAt(samples, referenceS);
  const end = samples[samples.length - 1];
  const steadyRequests = ctx.options.rate * (end.t - reference.t);
  const steadyCpuUsPerRequest = steadyRequests > 0
    ? ((end.cpuTicks - reference.cpuTicks) / ctx.clockTicks) * 1e6 /
      steadyRequests
    : NaN;
  return {
    collector,
    durationS,
    endpoint,
    load: measured[0],
    cpu: measured[1],
    steadyCpuUsPerRequest,
    rssStartMb: samples[0].rssMb,
    referenceS: reference.t,
    rssReferenceMb: reference.rssMb,
    rssEndMb: end.rssMb,
    endOverReference: end.rssMb / reference.rssMb,
    peakRssMb,
    samples,
    exitCode,
    telemetryTotals: log.telemetryTotals,
    warnings: log.warnings,
  };
}
