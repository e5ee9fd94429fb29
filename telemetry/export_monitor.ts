/**
 * Keeps count of what each signal offered for export, exported and failed
 * to export, and says so once when export starts failing and once when it
 * recovers, never per batch. What the batch processors drop when their
 * queue is full the SDK counts itself (`otel.sdk.processor.*.processed`
 * with `error.type`); at shutdown it is what was offered and not exported.
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

const zero = () => ({ offered: 0, exported: 0, failed: 0 });

/**
 * Totals of one signal: items (spans, log records, metric data points)
 * `offered` to export, `exported` (the endpoint accepted them) and `failed`
 * (their export failed or timed out).
 */
export type SignalCounts = ReturnType<typeof zero>;

/** Counts and state changes of telemetry export, shared by all signals. */
export class ExportMonitor {
  readonly counts = { traces: zero(), metrics: zero(), logs: zero() };
  readonly #failing = new Set<Signal>();

  constructor(
    private readonly log: Log,
    private readonly endpoints: Readonly<Record<Signal, string>>,
  ) {}

  /** True while any signal's last export failed. */
  get failing(): boolean {
    return this.#failing.size > 0;
  }

  /** An export of `items` succeeded. */
  exported(signal: Signal, items: number): void {
    this.counts[signal].exported += items;
    if (this.#failing.delete(signal) && this.#failing.size === 0) {
      this.log.info("telemetry export recovered", {
        "telemetry.signal": signal,
        "telemetry.failed": this.counts.traces.failed +
          this.counts.logs.failed + this.counts.metrics.failed,
      });
    }
  }

  /** An export of `items` failed; they are dropped. */
  exportFailed(signal: Signal, items: number, error: unknown): void {
    this.counts[signal].failed += items;
    if (this.#failing.size === 0) {
      this.log.warn(
        "telemetry export failing; the service keeps serving and counts what it drops",
        {
          "telemetry.signal": signal,
          "telemetry.endpoint": this.endpoints[signal],
          "error.message": describeError(error),
        },
      );
    }
    this.#failing.add(signal);
  }

  /** Everything offered and not exported, per signal. */
  dropped(signal: Signal): number {
    const c = this.counts[signal];
    return c.offered - c.exported;
  }
}
