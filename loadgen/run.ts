/**
 * One loadgen run: draws from the mix, schedules open-loop arrivals, sends
 * traced requests, logs progress and target state changes, and returns the
 * summary once scheduling ended and every request finished.
 *
 * @module
 */
import type { Meter, Tracer } from "@opentelemetry/api";
import { type Log, log as processLog } from "../telemetry/logger.ts";
import { VERSION } from "../version.ts";
import { type Clock, realClock } from "./clock.ts";
import type { LoadgenConfig } from "./flags.ts";
import { type Draw, mixPicker, seededRandom } from "./mix.ts";
import {
  buildSummary,
  progressRecord,
  Recorder,
  type Summary,
} from "./report.ts";
import { createLoadgenInstruments, sendRequest } from "./request.ts";
import { OpenLoopScheduler } from "./schedule.ts";

export interface RunOptions {
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Aborting stops scheduling (its reason names why, e.g. `SIGINT`). */
  readonly stop: AbortSignal;
  /** Aborting cancels requests in flight. */
  readonly cancel: AbortSignal;
  readonly clock?: Clock;
  /** Injected in tests; the global `fetch` otherwise. */
  readonly fetch?: typeof fetch;
  readonly log?: Log;
}

export const USER_AGENT = `space-app-loadgen/${VERSION}`;

export async function runLoad(
  config: LoadgenConfig,
  options: RunOptions,
): Promise<Summary> {
  const clock = options.clock ?? realClock;
  const log = options.log ?? processLog;
  const instruments = createLoadgenInstruments(options.meter);
  const draw = mixPicker(config.mix, config.workMs, seededRandom(config.seed));
  const recorder = new Recorder(config.mix.map((e) => e.path), clock.now());
  const workMs = `${config.workMs.min}-${config.workMs.max}`;
  const target = config.target.href.replace(/\/+$/, "");
  log.info("loadgen started", {
    "loadgen.target": target,
    "loadgen.rate": config.rate,
    "loadgen.concurrency": config.concurrency,
    "loadgen.duration_ms": config.durationMs ?? "forever",
    "loadgen.requests": config.requests ?? "unlimited",
    "loadgen.mix": config.mixText,
    "loadgen.work_ms": workMs,
    "loadgen.seed": config.seed,
  });

  const requestContext = {
    ...config,
    ...options,
    instruments,
    userAgent: USER_AGENT,
    now: () => clock.now(),
  };
  let downSince: number | undefined;
  const scheduler = new OpenLoopScheduler<Draw>({
    ...config,
    clock,
    signal: options.stop,
    draw,
    send: async (draw) => {
      recorder.sent();
      const sent = await sendRequest(draw, requestContext);
      recorder.record(sent.result);
      return sent;
    },
    skip: (draw) => {
      recorder.skipped(draw.route);
      instruments.requests.add(1, { route: draw.route, outcome: "shortfall" });
    },
    onTargetState: (state) => {
      // Called on every backoff step too: log only the changes.
      if (!state.up && downSince === undefined) {
        downSince = clock.now();
        log.warn("target unreachable: backing off", {
          "loadgen.target": target,
          "error.type": state.reason,
        });
      } else if (state.up && downSince !== undefined) {
        log.info("target reachable again", {
          "loadgen.target": target,
          "loadgen.down_ms": Math.round(clock.now() - downSince),
        });
        downSince = undefined;
      }
    },
  });

  const finished = new AbortController();
  const progress = (async () => {
    while (config.progressMs > 0) {
      await clock.sleep(config.progressMs, finished.signal);
      if (finished.signal.aborted) return;
      const window = recorder.takeWindow(clock.now());
      const record = progressRecord(window, config, scheduler);
      log[record.level](record.msg, record.attributes);
    }
  })();

  const result = await scheduler.run();
  finished.abort();
  await progress;

  const stoppedBy = options.stop.aborted
    ? String(options.stop.reason ?? "signal")
    : config.requests !== undefined && result.arrivals >= config.requests
    ? "requests"
    : "duration";
  const summary = buildSummary({
    ...config,
    target,
    mix: config.mixText,
    workMs,
    elapsedMs: result.scheduledMs,
    stoppedBy,
  }, recorder.totals());
  log.info("loadgen finished", {
    "loadgen.stopped_by": stoppedBy,
    "loadgen.elapsed_ms": Math.round(result.scheduledMs),
    "loadgen.sent": summary.sent,
    "loadgen.errors": summary.total.errors,
    "loadgen.shortfall": summary.total.shortfall,
    "loadgen.cancelled": summary.total.cancelled,
  });
  return summary;
}
