/**
 * Keeps count of what each signal exported and dropped, and says so once
 * when export starts failing and once when it recovers, never per batch.
 *
 * @module
 */
import type { Signal } from "./config.ts";
import type { Log } from "./logger.ts";

/** An error's message with its cause (fetch's "fetch failed" says why only there). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && !error.message.includes(cause)
    ? `${error.message}: ${cause}`
    : error.message;
}

/** Totals of one signal. */
export interface SignalCounts {
  /** Items (spans, log records, metric data points) accepted by the endpoint. */
  exported: number;
  /** Items dropped because the queue was full. */
  droppedQueueFull: number;
  /** Items dropped because their export failed or timed out. */
  droppedExportFailed: number;
}

/** Counts and state changes of telemetry export, shared by all signals. */
export class ExportMonitor {
  readonly counts: Record<Signal, SignalCounts> = {
    traces: { exported: 0, droppedQueueFull: 0, droppedExportFailed: 0 },
    metrics: { exported: 0, droppedQueueFull: 0, droppedExportFailed: 0 },
    logs: { exported: 0, droppedQueueFull: 0, droppedExportFailed: 0 },
  };
  readonly #failing = new Set<Signal>();
  readonly #log: Log;
  readonly #endpoints: Readonly<Record<Signal, string>>;

  constructor(log: Log, endpoints: Readonly<Record<Signal, string>>) {
    this.#log = log;
    this.#endpoints = endpoints;
  }

  /** True while any signal's last export failed. */
  get failing(): boolean {
    return this.#failing.size > 0;
  }

  /** An export of `items` succeeded. */
  exported(signal: Signal, items: number): void {
    this.counts[signal].exported += items;
    if (this.#failing.delete(signal) && this.#failing.size === 0) {
      this.#log.info("telemetry export recovered", {
        "telemetry.signal": signal,
        "telemetry.dropped": this.totalDropped(),
      });
    }
  }

  /** An export of `items` failed; they are dropped. */
  exportFailed(signal: Signal, items: number, error: unknown): void {
    this.counts[signal].droppedExportFailed += items;
    if (this.#failing.size === 0) {
      this.#log.warn(
        "telemetry export failing; the service keeps serving and counts what it drops",
        {
          "telemetry.signal": signal,
          "telemetry.endpoint": this.#endpoints[signal],
          "error.message": describeError(error),
        },
      );
    }
    this.#failing.add(signal);
  }

  /** `items` were refused because the queue was full. */
  queueFull(signal: Signal, items: number): void {
    this.counts[signal].droppedQueueFull += items;
  }

  /** Everything dropped so far, all signals. */
  totalDropped(): number {
    let total = 0;
    for (const c of Object.values(this.counts)) {
      total += c.droppedQueueFull + c.droppedExportFailed;
    }
    return total;
  }
}
