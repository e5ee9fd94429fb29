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
import {
  type CpuTicks,
  type MachineTicks,
  readCpuTicks,
  readMachineTicks,
  readMemory,
} from "./proc.ts";
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
  /** Directory of the frozen code the service runs from. */
  readonly codeDir: string;
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
  /**
   * CPU used by processes other than the service, this harness and the
   * load generator it waited for, percent of one core: other work on the
   * machine that disturbed the measurement.
   */
  readonly foreignPct: number;
  /** Interrupt (irq + softirq) and hypervisor steal time, percent of one core. */
  readonly interruptPct: number;
  readonly stealPct: number;
  /** This harness (with the OTLP sink), percent of one core. */
  readonly harnessPct: number;
  /** The load generator process(es) the harness waited for in the window. */
  readonly loadGenPct: number;
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

interface Snapshot {
  server: CpuTicks;
  self: CpuTicks;
  machine: MachineTicks;
  at: number;
}

function snapshot(pid: number): Snapshot {
  return {
    server: readCpuTicks(pid),
    self: readCpuTicks(Deno.pid),
    machine: readMachineTicks(),
    at: performance.now(),
  };
}

/** The figures of a window between two snapshots. */
function cpuWindow(
  before: Snapshot,
  after: Snapshot,
  requests: number,
  clockTicks: number,
): CpuWindow {
  const wallSeconds = (after.at - before.at) / 1000;
  const serverTicks = after.server.user + after.server.system -
    before.server.user - before.server.system;
  // This harness, and the children it reaped in the window (the load generator).
  const harnessTicks = after.self.user + after.self.system -
    before.self.user - before.self.system;
  const loadGenTicks = after.self.children - before.self.children;
  const selfTicks = harnessTicks + loadGenTicks;
  const machineBusy = after.machine.busy - before.machine.busy;
  const pct = (ticks: number) => (100 * ticks) / clockTicks / wallSeconds;
  const cpuSeconds = serverTicks / clockTicks;
  return {
    cpuSeconds,
    wallSeconds,
    usPerRequest: requests > 0 ? (cpuSeconds * 1e6) / requests : NaN,
    utilisationPct: pct(serverTicks),
    foreignPct: Math.max(0, pct(machineBusy - serverTicks - selfTicks)),
    interruptPct: pct(after.machine.interrupts - before.machine.interrupts),
    stealPct: pct(after.machine.steal - before.machine.steal),
    harnessPct: pct(harnessTicks),
    loadGenPct: pct(loadGenTicks),
  };
}

/** Measures service CPU (and everyone else's) around `load`. */
export async function measureCpu<T extends { requests: number }>(
  pid: number,
  clockTicks: number,
  load: () => Promise<T>,
): Promise<[T, CpuWindow]> {
  const before = snapshot(pid);
  const result = await load();
  const after = snapshot(pid);
  return [result, cpuWindow(before, after, result.requests, clockTicks)];
}

/** Machine CPU busy over `ms` while the bench is idle, percent of one core. */
export async function backgroundLoadPct(
  ms: number,
  clockTicks: number,
): Promise<number> {
  const before = readMachineTicks();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = readMachineTicks();
  const seconds = (performance.now() - started) / 1000;
  return (100 * (after.busy - before.busy)) / clockTicks / seconds;
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
    codeDir: ctx.codeDir,
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
