/**
 * What loadgen counts: per route and in total, for the whole run and for
 * the current progress window.
 *
 * @module
 */
import { percentile } from "../lib/stats.ts";
import { LatencySample, type Percentiles } from "./latency.ts";

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

/** `2xx`, `4xx`, ... for a status code. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/** True for answers loadgen counts as errors (4xx and 5xx, as for HTTP clients). */
export function isErrorStatus(status: number): boolean {
  return status >= 400;
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

class RouteCounts {
  count = 0;
  errors = 0;
  shortfall = 0;
  cancelled = 0;
  readonly latency: LatencySample;

  constructor(capacity: number | undefined) {
    this.latency = new LatencySample(capacity);
  }

  summary(route: string): RouteSummary {
    return {
      route,
      count: this.count,
      errors: this.errors,
      shortfall: this.shortfall,
      cancelled: this.cancelled,
      latency: this.latency.percentiles(),
    };
  }
}

class Window {
  sent = 0;
  completed = 0;
  failed = 0;
  shortfall = 0;
  readonly statusClasses: Record<string, number> = {};
  readonly latencies: number[] = [];

  constructor(readonly startMs: number) {}
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Collects request results; read with {@link Recorder.totals} and {@link Recorder.takeWindow}. */
export class Recorder {
  readonly #routes = new Map<string, RouteCounts>();
  readonly #total: RouteCounts;
  readonly #statusClasses: Record<string, number> = {};
  readonly #failures: Record<string, number> = {};
  readonly #capacity: number | undefined;
  #sent = 0;
  #window: Window;

  /**
   * `routes` fixes the order of the summary (routes without requests are
   * listed too); `startMs` starts the first window; `capacity` bounds the
   * latencies kept per route.
   */
  constructor(routes: readonly string[], startMs = 0, capacity?: number) {
    this.#capacity = capacity;
    for (const route of routes) {
      this.#routes.set(route, new RouteCounts(capacity));
    }
    this.#total = new RouteCounts(capacity);
    this.#window = new Window(startMs);
  }

  #route(route: string): RouteCounts {
    let counts = this.#routes.get(route);
    if (!counts) {
      this.#routes.set(route, counts = new RouteCounts(this.#capacity));
    }
    return counts;
  }

  /** A request was sent. */
  sent(): void {
    this.#sent++;
    this.#window.sent++;
  }

  /** An arrival for `route` was not sent: the concurrency cap was reached. */
  skipped(route: string): void {
    this.#route(route).shortfall++;
    this.#total.shortfall++;
    this.#window.shortfall++;
  }

  /** A sent request ended. */
  record(result: RequestResult): void {
    const counts = this.#route(result.route);
    if (result.cancelled) {
      counts.cancelled++;
      this.#total.cancelled++;
      return;
    }
    counts.count++;
    this.#total.count++;
    this.#window.completed++;
    if (result.status === undefined) {
      counts.errors++;
      this.#total.errors++;
      this.#window.failed++;
      bump(this.#failures, result.failure ?? "unknown");
      return;
    }
    if (isErrorStatus(result.status)) {
      counts.errors++;
      this.#total.errors++;
    }
    const cls = statusClass(result.status);
    bump(this.#statusClasses, cls);
    bump(this.#window.statusClasses, cls);
    counts.latency.add(result.latencyMs);
    this.#total.latency.add(result.latencyMs);
    this.#window.latencies.push(result.latencyMs);
  }

  /** The current window's counts; a new window starts at `nowMs`. */
  takeWindow(nowMs: number): WindowStats {
    const w = this.#window;
    this.#window = new Window(nowMs);
    const sorted = Float64Array.from(w.latencies).sort();
    return {
      seconds: (nowMs - w.startMs) / 1_000,
      sent: w.sent,
      completed: w.completed,
      statusClasses: w.statusClasses,
      failed: w.failed,
      shortfall: w.shortfall,
      latency: {
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1] : undefined,
      },
    };
  }

  /** The whole run so far. */
  totals(): RunTotals {
    return {
      routes: [...this.#routes].map(([route, c]) => c.summary(route)),
      total: this.#total.summary("total"),
      statusClasses: { ...this.#statusClasses },
      failures: { ...this.#failures },
      sent: this.#sent,
      sampled: this.#total.latency.sampled,
    };
  }
}
