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

/** The latencies reported, in column order. */
export const LATENCIES = ["p50", "p95", "p99", "max"] as const;

/** Percentiles and maximum of a sample in milliseconds; `undefined` with no values. */
export type Percentiles = Readonly<
  Record<(typeof LATENCIES)[number], number | undefined>
>;

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
  readonly #values: number[] = [];
  #count = 0;
  #max = -Infinity;

  /** `random` picks reservoir slots once the capacity is reached. */
  constructor(capacity = DEFAULT_CAPACITY, random: () => number = Math.random) {
    this.#capacity = capacity;
    this.#random = random;
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
    if (this.#values.length < this.#capacity) {
      this.#values.push(ms);
      return;
    }
    // Reservoir sampling (algorithm R): each value is kept with probability capacity/count.
    const slot = Math.floor(this.#random() * this.#count);
    if (slot < this.#capacity) this.#values[slot] = ms;
  }

  /** p50, p95, p99 and the maximum. */
  percentiles(): Percentiles {
    const sorted = Float64Array.from(this.#values).sort();
    return {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: this.#count > 0 ? this.#max : undefined,
    };
  }
}

/** Totals of one route (or of all routes). */
export type RouteSummary = ReturnType<Tally["summary"]>;

/** The whole run's counts. */
export type RunTotals = ReturnType<Recorder["totals"]>;

/** One progress window's counts. */
export type WindowStats = ReturnType<Recorder["takeWindow"]>;

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** The counts of one route, of all routes, or of one progress window. */
class Tally {
  /** Requests sent (counted in the total and the window only). */
  sent = 0;
  /** Requests that finished: answered or failed (cancelled ones excluded). */
  count = 0;
  /** 4xx and 5xx answers plus failures. */
  errors = 0;
  /** Requests without an answer. */
  failed = 0;
  /** Arrivals not sent because the concurrency cap was reached. */
  shortfall = 0;
  /** Requests aborted at stop. */
  cancelled = 0;
  /** Answers by status class (`2xx`: 1234). */
  readonly statusClasses: Record<string, number> = {};
  /** Requests without an answer, by `error.type`. */
  readonly failures: Record<string, number> = {};
  /** Latencies of the requests that got an answer. */
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

  summary(route: string) {
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
  readonly #total = new Tally();
  #window: Tally;

  /**
   * `routes` fixes the order of the summary (routes without requests are
   * listed too); `startMs` starts the first window.
   */
  constructor(routes: readonly string[], startMs = 0) {
    for (const route of routes) this.#routes.set(route, new Tally());
    this.#window = new Tally(Infinity, startMs);
  }

  /** The tallies a result of `route` counts in: its route's, the total and the window. */
  #tallies(route: string): Tally[] {
    let tally = this.#routes.get(route);
    if (!tally) this.#routes.set(route, tally = new Tally());
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
  takeWindow(nowMs: number) {
    const w = this.#window;
    this.#window = new Tally(Infinity, nowMs);
    return {
      seconds: (nowMs - w.startMs) / 1_000,
      sent: w.sent,
      /** Answered or failed in the window. */
      completed: w.count,
      statusClasses: w.statusClasses,
      failed: w.failed,
      shortfall: w.shortfall,
      latency: w.latency.percentiles(),
    };
  }

  /** The whole run so far. */
  totals() {
    const t = this.#total;
    return {
      routes: [...this.#routes].map(([route, tally]) => tally.summary(route)),
      total: t.summary("total"),
      statusClasses: { ...t.statusClasses },
      failures: { ...t.failures },
      sent: t.sent,
      /** True when percentiles come from a reservoir rather than every value. */
      sampled: t.latency.sampled,
    };
  }
}
