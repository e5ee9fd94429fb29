/**
 * What loadgen counts: per route and in total, for the whole run and for
 * the current progress window, with latency percentiles.
 *
 * @module
 */
import { percentile } from "../lib/stats.ts";

/** How one sent request ended. */
export interface RequestResult {
  /** The mix path (`/work`). */
  readonly route: string;
  /** The HTTP status, when an answer came. */
  readonly status?: number;
  /** `error.type` when no answer came: `connection_refused`, `timeout`, ... */
  readonly failure?: string;
  /** Aborted because loadgen was stopping: neither success nor error. */
  readonly cancelled?: boolean;
  /** From the send to the end of the response body (or the failure). */
  readonly latencyMs: number;
}

/** True for answers loadgen counts as errors (4xx and 5xx, as for HTTP clients). */
export function isErrorStatus(status: number): boolean {
  return status >= 400;
}

/** Percentiles of a sample, in milliseconds; `undefined` with no values. */
export interface Percentiles {
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
}

/** Values kept before reservoir sampling starts (8 bytes each). */
export const DEFAULT_CAPACITY = 200_000;

/**
 * Latencies in milliseconds. Every value is kept up to a capacity (exact
 * percentiles); past it a uniform reservoir of that size stands for all of
 * them, so a run of days keeps bounded memory. Count and maximum are always
 * exact.
 */
export class LatencySample {
  readonly #capacity: number;
  readonly #random: () => number;
  #values: Float64Array;
  #kept = 0;
  #count = 0;
  #max = -Infinity;

  /** `random` picks reservoir slots once the capacity is reached. */
  constructor(capacity = DEFAULT_CAPACITY, random: () => number = Math.random) {
    this.#capacity = capacity;
    this.#random = random;
    this.#values = new Float64Array(Math.min(capacity, 1_024));
  }

  /** Values recorded (not only those kept). */
  get count(): number {
    return this.#count;
  }

  /** True once percentiles are estimated from a reservoir. */
  get sampled(): boolean {
    return this.#count > this.#capacity;
  }

  /** Records one latency. */
  add(ms: number): void {
    this.#count++;
    if (ms > this.#max) this.#max = ms;
    if (this.#kept < this.#capacity) {
      if (this.#kept === this.#values.length) {
        const grown = new Float64Array(
          Math.min(this.#capacity, this.#values.length * 2),
        );
        grown.set(this.#values);
        this.#values = grown;
      }
      this.#values[this.#kept++] = ms;
      return;
    }
    // Reservoir sampling (algorithm R): each value is kept with probability capacity/count.
    const slot = Math.floor(this.#random() * this.#count);
    if (slot < this.#capacity) this.#values[slot] = ms;
  }

  /** p50, p95, p99 and the maximum. */
  percentiles(): Percentiles {
    const sorted = this.#values.slice(0, this.#kept).sort();
    return {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: this.#count > 0 ? this.#max : undefined,
    };
  }
}

/** Totals of one route (or of all routes). */
export interface RouteSummary {
  readonly route: string;
  /** Requests that finished: answered or failed (cancelled ones excluded). */
  readonly count: number;
  /** 4xx and 5xx answers plus failures. */
  readonly errors: number;
  /** Arrivals of this route not sent because the concurrency cap was reached. */
  readonly shortfall: number;
  /** Requests aborted at stop. */
  readonly cancelled: number;
  /** Latency percentiles (ms) over requests that got an answer. */
  readonly latency: Percentiles;
}

/** The whole run's counts. */
export interface RunTotals {
  readonly routes: readonly RouteSummary[];
  readonly total: RouteSummary;
  /** Answers by status class (`2xx`: 1234). */
  readonly statusClasses: Readonly<Record<string, number>>;
  /** Requests without an answer, by `error.type`. */
  readonly failures: Readonly<Record<string, number>>;
  /** Requests sent. */
  readonly sent: number;
  /** True when percentiles come from a reservoir rather than every value. */
  readonly sampled: boolean;
}

/** One progress window's counts. */
export interface WindowStats {
  readonly seconds: number;
  readonly sent: number;
  /** Answered or failed in the window. */
  readonly completed: number;
  readonly statusClasses: Readonly<Record<string, number>>;
  /** Requests without an answer in the window. */
  readonly failed: number;
  readonly shortfall: number;
  /** Over answers in the window. */
  readonly latency: Percentiles;
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** The counts of one route, of all routes, or of one progress window. */
class Tally {
  sent = 0;
  /** Answered or failed. */
  count = 0;
  errors = 0;
  /** No answer. */
  failed = 0;
  shortfall = 0;
  cancelled = 0;
  readonly statusClasses: Record<string, number> = {};
  readonly failures: Record<string, number> = {};
  readonly latency: LatencySample;

  constructor(capacity?: number, readonly startMs = 0) {
    this.latency = new LatencySample(capacity);
  }

  record(result: RequestResult): void {
    if (result.cancelled) {
      this.cancelled++;
      return;
    }
    this.count++;
    if (result.status === undefined) {
      this.errors++;
      this.failed++;
      bump(this.failures, result.failure ?? "unknown");
      return;
    }
    if (isErrorStatus(result.status)) this.errors++;
    bump(this.statusClasses, `${Math.floor(result.status / 100)}xx`);
    this.latency.add(result.latencyMs);
  }

  summary(route: string): RouteSummary {
    const { count, errors, shortfall, cancelled } = this;
    return {
      route,
      count,
      errors,
      shortfall,
      cancelled,
      latency: this.latency.percentiles(),
    };
  }
}

/** Collects request results; read with {@link Recorder.totals} and {@link Recorder.takeWindow}. */
export class Recorder {
  readonly #routes = new Map<string, Tally>();
  readonly #total: Tally;
  readonly #capacity: number | undefined;
  #window: Tally;

  /**
   * `routes` fixes the order of the summary (routes without requests are
   * listed too); `startMs` starts the first window; `capacity` bounds the
   * latencies kept per route.
   */
  constructor(routes: readonly string[], startMs = 0, capacity?: number) {
    this.#capacity = capacity;
    for (const route of routes) this.#routes.set(route, new Tally(capacity));
    this.#total = new Tally(capacity);
    this.#window = new Tally(Infinity, startMs);
  }

  /** The tallies a result of `route` counts in: its route's, the total and the window. */
  #tallies(route: string): Tally[] {
    let tally = this.#routes.get(route);
    if (!tally) this.#routes.set(route, tally = new Tally(this.#capacity));
    return [tally, this.#total, this.#window];
  }

  /** A request was sent. */
  sent(): void {
    this.#total.sent++;
    this.#window.sent++;
  }

  /** An arrival for `route` was not sent: the concurrency cap was reached. */
  skipped(route: string): void {
    for (const tally of this.#tallies(route)) tally.shortfall++;
  }

  /** A sent request ended. */
  record(result: RequestResult): void {
    for (const tally of this.#tallies(result.route)) tally.record(result);
  }

  /** The current window's counts; a new window starts at `nowMs`. */
  takeWindow(nowMs: number): WindowStats {
    const w = this.#window;
    this.#window = new Tally(Infinity, nowMs);
    return {
      seconds: (nowMs - w.startMs) / 1_000,
      sent: w.sent,
      completed: w.count,
      statusClasses: w.statusClasses,
      failed: w.failed,
      shortfall: w.shortfall,
      latency: w.latency.percentiles(),
    };
  }

  /** The whole run so far. */
  totals(): RunTotals {
    const t = this.#total;
    return {
      routes: [...this.#routes].map(([route, tally]) => tally.summary(route)),
      total: t.summary("total"),
      statusClasses: { ...t.statusClasses },
      failures: { ...t.failures },
      sent: t.sent,
      sampled: t.latency.sampled,
    };
  }
}
