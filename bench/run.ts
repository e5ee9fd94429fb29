/**
 * One measured run of one variant in a fresh service process: warm-up,
 * the fixed-rate phase (latency), the saturation phase (throughput and
 * CPU per request), then SIGTERM, the shutdown flush, and delivery
 * counted at the sink against the requests the service handled.
 *
 * @module
 */
import type { BenchOptions } from "./flags.ts";
import type { LoadResult, RateResult } from "./load_result.ts";
import type { LoadGenerator } from "./loadgen.ts";
import type { OtlpSink, SinkCounts } from "./otlp_sink.ts";
import type { Pinning } from "./pinning.ts";
import { readCpuTicks, readMemory } from "./proc.ts";
import { type BenchService, startService } from "./service.ts";
import { HELLO_MSG, readServiceLog, type ServiceLog } from "./service_log.ts";
import { type Variant, variantEnv } from "./variants.ts";

/** What every run needs. */
export interface RunContext {
  readonly options: BenchOptions;
  readonly pinning: Pinning;
  readonly load: LoadGenerator;
  readonly sink: OtlpSink;
  readonly workDir: string;
  /** Clock ticks per second of `/proc/<pid>/stat`. */
  readonly clockTicks: number;
  /** Progress lines. */
  readonly progress: (line: string) => void;
}

/** Spans each `GET /` produces: the SERVER span and `root-handler`. */
export const SPANS_PER_REQUEST = 2;

/** Received against expected. */
export interface Delivery {
  readonly received: number;
  readonly expected: number;
}

/** CPU time of the service over one load window. */
export interface CpuWindow {
  /** Service CPU seconds (user + system, all threads). */
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** CPU microseconds per request completed in the window. */
  readonly usPerRequest: number;
  /** `cpuSeconds / wallSeconds`, percent of one core. */
  readonly utilisationPct: number;
}

/** Everything measured in one run. */
export interface RunResult {
  readonly variant: Variant;
  readonly pair: number;
  readonly warmup: LoadResult | undefined;
  /** Fixed-rate phase: its p50/p99 are the run's latency figures. */
  readonly rate: RateResult;
  readonly rateCpu: CpuWindow;
  /** Saturation phase: its rps is the run's throughput. */
  readonly saturation: LoadResult;
  readonly saturationCpu: CpuWindow;
  readonly peakRssMb: number;
  /** Responses the load generators received. */
  readonly clientCompleted: number;
  /** `GET /` requests the service logged handling (its stdout "hello" lines). */
  readonly serverHandled: number;
  readonly spans: Delivery;
  /** Log records with body "hello from space-app". */
  readonly logs: Delivery;
  /** Everything the sink got, including lifecycle log lines and metrics. */
  readonly sink: SinkCounts;
  readonly exitCode: number;
  /** The service's own export totals from its last log line. */
  readonly telemetryTotals: Record<string, unknown> | undefined;
  readonly warnings: Record<string, number>;
}

/** Seconds a stopping service gets before it is killed. */
const STOP_TIMEOUT_MS = 30_000;

/** MB from kB. */
export function mb(kb: number): number {
  return kb / 1024;
}

/** Measures service CPU around `load`. */
export async function measureCpu<T extends { requests: number }>(
  pid: number,
  clockTicks: number,
  load: () => Promise<T>,
): Promise<[T, CpuWindow]> {
  const before = readCpuTicks(pid);
  const started = performance.now();
  const result = await load();
  const after = readCpuTicks(pid);
  const wallSeconds = (performance.now() - started) / 1000;
  const ticks = after.user + after.system - before.user - before.system;
  const cpuSeconds = ticks / clockTicks;
  return [result, {
    cpuSeconds,
    wallSeconds,
    usPerRequest: result.requests > 0
      ? (cpuSeconds * 1e6) / result.requests
      : NaN,
    utilisationPct: (100 * cpuSeconds) / wallSeconds,
  }];
}

/** Sends SIGTERM and waits for the exit; kills after {@link STOP_TIMEOUT_MS}. */
export async function stopService(service: BenchService): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      service.kill();
      resolve(-1);
    }, STOP_TIMEOUT_MS);
  });
  const code = await Promise.race([service.stop(), timeout]);
  clearTimeout(timer);
  return code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs one variant once, in a fresh process. */
export async function runVariant(
  ctx: RunContext,
  variant: Variant,
  pair: number,
  profileDir?: string,
): Promise<RunResult> {
  const { options, load, sink } = ctx;
  const name = `${variant}${pair}${profileDir ? "-profile" : ""}`;
  sink.reset();
  const service = await startService({
    env: variantEnv(variant, sink.endpoint),
    pinning: ctx.pinning,
    workDir: ctx.workDir,
    profileDir,
    name,
  });
  const url = `${service.base}/`;
  let exitCode: number;
  let result: Omit<
    RunResult,
    | "exitCode"
    | "serverHandled"
    | "spans"
    | "logs"
    | "sink"
    | "telemetryTotals"
    | "warnings"
  >;
  try {
    let warmup: LoadResult | undefined;
    if (options.warmupS > 0) {
      ctx.progress(`${name}: warm-up ${options.warmupS} s`);
      warmup = await load.saturate(url, options.connections, options.warmupS);
      await sleep(1_000); // let the warm-up's export backlog drain
    }
    ctx.progress(
      `${name}: fixed rate ${options.rate} req/s for ${options.durationS} s`,
    );
    const [rate, rateCpu] = await measureCpu(
      service.pid,
      ctx.clockTicks,
      () => load.atRate(url, options.rate, options.durationS),
    );
    ctx.progress(
      `${name}: saturation, ${options.connections} connections for ${options.durationS} s`,
    );
    const [saturation, saturationCpu] = await measureCpu(
      service.pid,
      ctx.clockTicks,
      () => load.saturate(url, options.connections, options.durationS),
    );
    const memory = readMemory(service.pid);
    result = {
      variant,
      pair,
      warmup,
      rate,
      rateCpu,
      saturation,
      saturationCpu,
      peakRssMb: mb(memory.peak),
      clientCompleted: (warmup?.requests ?? 0) + rate.requests +
        saturation.requests,
    };
  } finally {
    ctx.progress(`${name}: SIGTERM, waiting for the shutdown flush`);
    exitCode = await stopService(service);
  }
  const log: ServiceLog = await readServiceLog(service.stdoutPath);
  const counts = sink.counts();
  const expectSpans = variant === "A" ? SPANS_PER_REQUEST * log.handled : 0;
  const expectLogs = variant === "A" ? log.handled : 0;
  await Deno.remove(service.stdoutPath).catch(() => {});
  return {
    ...result,
    exitCode,
    serverHandled: log.handled,
    spans: { received: counts.spans, expected: expectSpans },
    logs: { received: counts.logBodies[HELLO_MSG] ?? 0, expected: expectLogs },
    sink: counts,
    telemetryTotals: log.telemetryTotals,
    warnings: log.warnings,
  };
}
