/**
 * One measured run of one variant in a fresh server process: warm-up, the
 * fixed-rate phase (latency, CPU per request), the saturation phase
 * (throughput, CPU per request), then SIGTERM, the shutdown flush, and what
 * the sink received against what the requests handled should have sent.
 *
 * @module
 */
import type { BenchOptions } from "./flags.ts";
import type { LoadGenerator, LoadResult, RateResult } from "./load.ts";
import type { OtlpSink, SinkCounts } from "./otlp_sink.ts";
import type { Pinning } from "./pinning.ts";
import { type CpuWindow, measureCpu, readMemory } from "./proc.ts";
import { HELLO_MSG, readServerLog, startServer } from "./server.ts";
import type { ServerCommand, Variant } from "./variants.ts";

/** What every run needs. */
export interface RunContext {
  readonly options: BenchOptions;
  readonly pinning: Pinning;
  readonly load: LoadGenerator;
  readonly sink: OtlpSink;
  readonly workDir: string;
  /** Clock ticks per second of `/proc/<pid>/stat`. */
  readonly clockTicks: number;
  readonly progress: (line: string) => void;
}

/** Received at the sink against expected; `expected` null when the variant does not say. */
export interface Delivery {
  readonly received: number;
  readonly expected: number | null;
}

/** One run's figures. */
export interface RunResult {
  readonly variant: string;
  /** 1..rounds; 0 for the profiled run. */
  readonly round: number;
  readonly rate: RateResult;
  readonly rateCpu: CpuWindow;
  readonly saturation: LoadResult;
  readonly saturationCpu: CpuWindow;
  /** `VmHWM` before SIGTERM. */
  readonly peakRssMb: number;
  /** `GET /` requests handled over the whole run, counted as the variant says. */
  readonly handled: number;
  readonly handledFrom: Variant["handled"];
  readonly spans: Delivery;
  /** Log records with body "hello from space-app". */
  readonly logs: Delivery;
  /** Everything the sink got, lifecycle log lines and metrics included. */
  readonly sink: SinkCounts;
  readonly exitCode: number;
  /** The service's own export totals from its last log line. */
  readonly telemetryTotals?: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `variant` once, started by `command`, in a fresh process. */
export async function runOnce(
  ctx: RunContext,
  variant: Variant,
  command: ServerCommand,
  round: number,
): Promise<RunResult> {
  const { options: o, load, sink } = ctx;
  const name = `${variant.id}-${round || "profile"}`;
  sink.reset();
  const server = await startServer({
    name,
    ...command,
    env: { SHUTDOWN_DRAIN_MS: "0", ...variant.env(sink.endpoint) },
    pinning: ctx.pinning,
    workDir: ctx.workDir,
  });
  const url = `${server.base}/`;
  let answered = 1; // the readiness probe
  let figures;
  let exitCode;
  try {
    if (o.warmupS > 0) {
      ctx.progress(`${name}: warm-up ${o.warmupS} s`);
      answered += (await load.saturate(url, o.connections, o.warmupS)).requests;
      await sleep(Math.min(1_000, 500 * o.warmupS)); // the warm-up's export backlog drains
    }
    ctx.progress(`${name}: ${o.rate} req/s for ${o.durationS} s`);
    const [rate, rateCpu] = await measureCpu(
      server.pid,
      ctx.clockTicks,
      () => load.atRate(url, o.rate, o.durationS),
    );
    ctx.progress(`${name}: saturation, ${o.connections} connections`);
    const [saturation, saturationCpu] = await measureCpu(
      server.pid,
      ctx.clockTicks,
      () => load.saturate(url, o.connections, o.durationS),
    );
    answered += rate.requests + saturation.requests;
    const peakRssMb = readMemory(server.pid).peak / 1024;
    figures = { rate, rateCpu, saturation, saturationCpu, peakRssMb };
  } finally {
    ctx.progress(`${name}: SIGTERM, waiting for the shutdown flush`);
    exitCode = await server.stop();
  }
  const log = await readServerLog(server.stdoutPath);
  const counts = sink.counts();
  const handled = variant.handled === "stdout" ? log.handled : answered;
  const per = variant.perRequest;
  return {
    variant: variant.id,
    round,
    ...figures,
    handled,
    handledFrom: variant.handled,
    spans: {
      received: counts.spans,
      expected: per ? per.spans * handled : null,
    },
    logs: {
      received: counts.logBodies[HELLO_MSG] ?? 0,
      expected: per ? per.logs * handled : null,
    },
    sink: counts,
    exitCode,
    telemetryTotals: log.telemetryTotals,
  };
}
