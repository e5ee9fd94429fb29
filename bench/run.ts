/**
 * One measured run of one variant in a fresh server process: warm-up, the
 * fixed-rate phase (latency, CPU per request), the saturation phase
 * (throughput, CPU per request), then SIGTERM, the shutdown flush, and what
 * the sink received against what the requests handled should have sent.
 *
 * The server is a separate process pinned to the server core, its stdout
 * and stderr going to files (the harness never slows it by draining a
 * pipe); its stdout says the `GET /` requests it handled (its "hello"
 * lines) and its telemetry totals at shutdown.
 *
 * @module
 */
import { type Background, collect, freePort, start } from "../lib/process.ts";
import { sleep } from "../lib/duration.ts";
import type { BenchOptions } from "./main.ts";
import type { LoadGenerator } from "./load.ts";
import type { OtlpSink } from "./otlp_sink.ts";
import { measureCpu, pinned, type Pinning, readMemory } from "./proc.ts";
import type { ServerCommand, Variant } from "./variants.ts";

export interface RunContext {
  readonly options: BenchOptions;
  readonly pinning: Pinning;
  readonly load: LoadGenerator;
  readonly sink: OtlpSink;
  /** Directory of the servers' stdout and stderr files. */
  readonly workDir: string;
  /** Clock ticks per second of `/proc/<pid>/stat`. */
  readonly clockTicks: number;
  readonly progress: (line: string) => void;
}

export type RunResult = Awaited<ReturnType<typeof runOnce>>;

/** The log line every `GET /` writes, in the service and in the FastAPI peer. */
export const HELLO_MSG = "hello from space-app";

/** What a server's stdout says. */
export interface ServerLog {
  /** `GET /` requests handled: lines holding {@link HELLO_MSG}. */
  handled: number;
  /** `telemetry.*` fields of the service's "telemetry shut down" line. */
  telemetryTotals?: Record<string, unknown>;
}

const live = new Set<Background>();

/** Kills every server still running (the bench is being interrupted). */
export function killAll(): void {
  for (const p of live) {
    try {
      Deno.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * Starts the server of run `name` and waits until `GET /` answers 200 (a
 * request it handles). Its `stop` sends SIGTERM, SIGKILL after 30 s, and
 * resolves with the exit code; `pid` is the server itself (sh and taskset
 * exec into it).
 */
async function startServer(
  { pinning, workDir }: RunContext,
  name: string,
  { argv, cwd }: ServerCommand,
  env: Record<string, string>,
) {
  const port = freePort();
  const stdout = `${workDir}/${name}.stdout`;
  const stderr = `${workDir}/${name}.stderr`;
  // `exec` all the way down: sh becomes taskset becomes the server, one pid.
  const p = start(name, [
    "/bin/sh",
    "-c",
    'exec "$@" >"$BENCH_STDOUT" 2>"$BENCH_STDERR"',
    "sh",
    ...pinned(pinning, "server", argv(port)),
  ], {
    cwd,
    clearEnv: true,
    env: {
      NO_COLOR: "1",
      BENCH_STDOUT: stdout,
      BENCH_STDERR: stderr,
      PORT: `${port}`,
      HOST: "127.0.0.1",
      ...env,
    },
  });
  live.add(p);
  let exited: number | undefined;
  p.exited.then((code) => {
    live.delete(p);
    exited = code;
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  while (exited === undefined && Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) {
        return {
          pid: p.pid,
          url,
          stop: () => p.stop(30_000),
          readLog: () => readServerLog(stdout),
        };
      }
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  await p.stop(0);
  const last = (await Deno.readTextFile(stderr).catch(() => "")).trim()
    .split("\n").at(-1);
  const why = exited !== undefined
    ? `exited ${exited} at start`
    : "GET / did not answer 200 within 30 s";
  throw new Error(`${name}: ${why}${last ? `: ${last}` : ""}`);
}

export function scanLine(line: string, log: ServerLog): void {
  if (line.includes(HELLO_MSG)) log.handled++;
  else if (line.includes(`"msg":"telemetry shut down"`)) {
    try {
      log.telemetryTotals = Object.fromEntries(
        Object.entries(JSON.parse(line)).filter(([k]) =>
          k.startsWith("telemetry.")
        ),
      );
    } catch {
      // not JSON after all
    }
  }
}

/** Reads the stdout file at `path` line by line (it can be large), then removes it. */
async function readServerLog(path: string): Promise<ServerLog> {
  const log: ServerLog = { handled: 0 };
  // Reading `readable` to its end closes the file.
  const file = await Deno.open(path);
  await collect(file.readable, (line) => scanLine(line, log));
  await Deno.remove(path);
  return log;
}

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
  const name = `${variant.id}-${round || "profile"}`;
  ctx.sink.reset();
  const server = await startServer(ctx, name, command, {
    SHUTDOWN_DRAIN_MS: "0",
    ...variant.env(ctx.sink.endpoint),
  });
  let exitCode = NaN;
  const { answered, ...figures } = await measure(ctx, name, server)
    .finally(async () => {
      ctx.progress(`${name}: SIGTERM, waiting for the shutdown flush`);
      exitCode = await server.stop();
    });
  const log = await server.readLog();
  const counts = ctx.sink.counts();
  /** `GET /` requests handled over the whole run, counted as the variant says. */
  const handled = variant.handled === "stdout" ? log.handled : answered;
  /** Received at the sink against expected. */
  const delivery = (received: number, perRequest: number) => ({
    received,
    expected: perRequest * handled,
  });
  return {
    variant: variant.id,
    round,
    ...figures,
    handled,
    handledFrom: variant.handled,
    spans: delivery(counts.spans, variant.perRequest.spans),
    /** Log records with body "hello from space-app". */
    logs: delivery(counts.logBodies[HELLO_MSG] ?? 0, variant.perRequest.logs),
    /** Everything the sink got, lifecycle log lines and metrics included. */
    sink: counts,
    exitCode,
    /** The service's own export totals from its last log line. */
    telemetryTotals: log.telemetryTotals,
  };
}
