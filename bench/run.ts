/**
 * One measured run of one variant in a fresh server process: warm-up, the
 * fixed-rate phase (latency, CPU per request), the saturation phase
 * (throughput, CPU per request), then SIGTERM, the shutdown flush, and what
 * the sink received against what the requests handled should have sent.
 *
 * @module
 */
import type { BenchOptions } from "./flags.ts";
import type { LoadGenerator } from "./load.ts";
import type { OtlpSink } from "./otlp_sink.ts";
import { measureCpu, type Pinning, readMemory } from "./proc.ts";
import { HELLO_MSG, startServer } from "./server.ts";
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
export type RunResult = Awaited<ReturnType<typeof runOnce>>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The load phases against the server `pid` at `url`. */
async function measure(
  { options: o, load, progress, clockTicks }: RunContext,
  name: string,
  { url, pid }: { url: string; pid: number },
) {
  let answered = 1; // the readiness probe
  if (o.warmupS > 0) {
    progress(`${name}: warm-up ${o.warmupS} s`);
    answered += (await load.saturate(url, o.connections, o.warmupS)).requests;
    await sleep(Math.min(1_000, 500 * o.warmupS)); // the warm-up's export backlog drains
  }
  progress(`${name}: ${o.rate} req/s for ${o.durationS} s`);
  const [rate, rateCpu] = await measureCpu(
    pid,
    clockTicks,
    () => load.atRate(url, o.rate, o.durationS),
  );
  progress(`${name}: saturation, ${o.connections} connections`);
  const [saturation, saturationCpu] = await measureCpu(
    pid,
    clockTicks,
    () => load.saturate(url, o.connections, o.durationS),
  );
  answered += rate.requests + saturation.requests;
  /** `VmHWM` before SIGTERM. */
  const peakRssMb = readMemory(pid).peak / 1024;
  return { answered, rate, rateCpu, saturation, saturationCpu, peakRssMb };
}

/** Runs `variant` once, started by `command`, in a fresh process; `round` 0 is the profiled run. */
export async function runOnce(
  ctx: RunContext,
  variant: Variant,
  command: ServerCommand,
  round: number,
) {
  const { sink } = ctx;
  const name = `${variant.id}-${round || "profile"}`;
  sink.reset();
  const server = await startServer({
    name,
    ...command,
    env: { SHUTDOWN_DRAIN_MS: "0", ...variant.env(sink.endpoint) },
    pinning: ctx.pinning,
    workDir: ctx.workDir,
  });
  let exitCode = NaN;
  const { answered, ...figures } = await measure(ctx, name, server)
    .finally(async () => {
      ctx.progress(`${name}: SIGTERM, waiting for the shutdown flush`);
      exitCode = await server.stop();
    });
  const log = await server.readLog();
  const counts = sink.counts();
  /** `GET /` requests handled over the whole run, counted as the variant says. */
  const handled = variant.handled === "stdout" ? log.handled : answered;
  const per = variant.perRequest;
  const delivery = (received: number, n?: number): Delivery => ({
    received,
    expected: n === undefined ? null : n * handled,
  });
  return {
    variant: variant.id,
    round,
    ...figures,
    handled,
    handledFrom: variant.handled,
    spans: delivery(counts.spans, per?.spans),
    /** Log records with body "hello from space-app". */
    logs: delivery(counts.logBodies[HELLO_MSG] ?? 0, per?.logs),
    /** Everything the sink got, lifecycle log lines and metrics included. */
    sink: counts,
    exitCode,
    /** The service's own export totals from its last log line. */
    telemetryTotals: log.telemetryTotals,
  };
}
