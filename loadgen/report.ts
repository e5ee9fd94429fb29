/**
 * What loadgen counts and prints: results per route and in total, for the
 * whole run and for the current progress window, with latency percentiles;
 * the progress line (through the logger) and the final summary, as a text
 * table or one JSON object.
 *
 * @module
 */
import type { Attributes } from "@opentelemetry/api";
import type { Level } from "../telemetry/logger.ts";
import { formatDuration } from "../lib/duration.ts";
import { table } from "../lib/output.ts";
import { percentile } from "../lib/stats.ts";
import type { LoadgenConfig } from "./flags.ts";
import type { OpenLoopScheduler } from "./schedule.ts";

/** How one sent request ended. */
export interface RequestResult {
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

/**
 * Latencies in milliseconds. Every value is kept up to a capacity (exact
 * percentiles); past it a uniform reservoir of that size stands for all of
 * them, so a run of days keeps bounded memory. Count and maximum are always
 * exact.
 */
export class LatencySample {
  readonly #values: number[] = [];
  #count = 0;
  #max = -Infinity;

  /** `capacity`: values kept exactly (8 bytes each); past it, `random` picks reservoir slots. */
  constructor(
    readonly capacity = 200_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** Values recorded (not only those kept). */
  get count(): number {
    return this.#count;
  }

  /** True once percentiles are estimated from a reservoir. */
  get sampled(): boolean {
    return this.#count > this.capacity;
  }

  add(ms: number): void {
    this.#count++;
    if (ms > this.#max) this.#max = ms;
    if (this.#values.length < this.capacity) {
      this.#values.push(ms);
      return;
    }
    // Reservoir sampling (algorithm R): each value is kept with probability capacity/count.
    const slot = Math.floor(this.random() * this.#count);
    if (slot < this.capacity) this.#values[slot] = ms;
  }

  /** Percentiles and maximum in milliseconds; `undefined` with no values. */
  percentiles() {
    const sorted = Float64Array.from(this.#values).sort();
    return {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: this.#count > 0 ? this.#max : undefined,
    };
  }
}

export type RouteSummary = ReturnType<Tally["summary"]>;

export type RunTotals = ReturnType<Recorder["totals"]>;

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
  failed = 0;
  /** Arrivals not sent because the concurrency cap was reached. */
  shortfall = 0;
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

  /** `routes` fixes the order of the summary (routes without requests too); `startMs` starts the first window. */
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

  sent(): void {
    this.#total.sent++;
    this.#window.sent++;
  }

  /** An arrival for `route` was not sent: the concurrency cap was reached. */
  skipped(route: string): void {
    for (const tally of this.#tallies(route)) tally.shortfall++;
  }

  record(result: RequestResult): void {
    for (const tally of this.#tallies(result.route)) tally.record(result);
  }

  /** The current window's counts; a new window starts at `nowMs`. */
  takeWindow(nowMs: number) {
    const w = this.#window;
    this.#window = new Tally(Infinity, nowMs);
    return {
      ...w.summary("window"),
      seconds: (nowMs - w.startMs) / 1_000,
      sent: w.sent,
      statusClasses: w.statusClasses,
      failed: w.failed,
    };
  }

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

/** The run's settings and timing, for the summary. */
export interface RunInfo {
  readonly target: string;
  readonly seed: number;
  readonly rate: number;
  readonly concurrency: number;
  readonly mix: string;
  readonly workMs: string;
  /** Scheduling time, start to stop (in-flight requests finishing excluded). */
  readonly elapsedMs: number;
  /** Why the run ended: `duration`, `requests` or the signal name. */
  readonly stoppedBy: string;
}

/** Everything the final summary shows, with the requests sent per second of scheduling time. */
export function buildSummary(info: RunInfo, totals: RunTotals) {
  const seconds = info.elapsedMs / 1_000;
  const achievedRate = seconds > 0 ? totals.sent / seconds : 0;
  return { ...info, ...totals, achievedRate };
}

export type Summary = ReturnType<typeof buildSummary>;

/** The progress line omits the maximum. */
const WINDOW_LATENCIES = LATENCIES.slice(0, 3);

/** Milliseconds rounded to microseconds; `null` for none. */
function round(n: number | undefined): number | null {
  return n === undefined ? null : Math.round(n * 1_000) / 1_000;
}

function ms(n: number | undefined): string {
  if (n === undefined) return "-";
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

function rate(n: number): string {
  return Number(n.toFixed(n >= 100 ? 0 : 1)).toString();
}

/** `2xx 12, 5xx 1`, keys in order. */
function list(record: Readonly<Record<string, number>>): string {
  const keys = Object.keys(record).sort();
  return keys.map((k) => `${k} ${record[k]}`).join(", ");
}

function routeJson({ latency, ...counts }: RouteSummary) {
  const rounded = LATENCIES.map((k) => [`${k}_ms`, round(latency[k])]);
  return { ...counts, ...Object.fromEntries(rounded) };
}

/** The summary as one JSON-ready object (milliseconds rounded to microseconds). */
export function summaryJson(s: Summary): Record<string, unknown> {
  return {
    target: s.target,
    seed: s.seed,
    stopped_by: s.stoppedBy,
    elapsed_s: round(s.elapsedMs / 1_000),
    rate: { target: s.rate, achieved: round(s.achievedRate) },
    concurrency: s.concurrency,
    mix: s.mix,
    work_ms: s.workMs,
    sent: s.sent,
    shortfall: s.total.shortfall,
    cancelled: s.total.cancelled,
    status_classes: s.statusClasses,
    failures: s.failures,
    percentiles: s.sampled ? "sampled" : "exact",
    routes: s.routes.map(routeJson),
    total: routeJson(s.total),
  };
}

const COLUMNS: readonly [string, (r: RouteSummary) => string][] = [
  ["route", (r) => r.route],
  ["count", (r) => String(r.count)],
  ["errors", (r) => String(r.errors)],
  ...LATENCIES.map((k): [string, (r: RouteSummary) => string] => [
    `${k} ms`,
    (r) => ms(r.latency[k]),
  ]),
];

export function summaryText(s: Summary): string {
  const sampled = s.sampled ? "; percentiles from a uniform sample" : "";
  return [
    `loadgen summary: ${
      formatDuration(s.elapsedMs)
    } against ${s.target} (stopped by ${s.stoppedBy}), seed ${s.seed}`,
    `rate: target ${rate(s.rate)}/s, achieved ${
      rate(s.achievedRate)
    }/s; sent ${s.sent}, shortfall ${s.total.shortfall} (concurrency cap ${s.concurrency}), cancelled ${s.total.cancelled}`,
    table(
      COLUMNS.map(([header]) => header),
      [...s.routes, s.total].map((r) => COLUMNS.map(([, cell]) => cell(r))),
      false,
    ),
    `answers: ${list(s.statusClasses) || "none"}; no answer: ${
      list(s.failures) || "0"
    }${sampled}`,
  ].join("\n");
}

/** The progress line of one window, with the scheduler's state now. */
export function progressRecord(
  w: WindowStats,
  config: Pick<LoadgenConfig, "rate" | "concurrency">,
  now: Pick<OpenLoopScheduler<unknown>, "inFlight" | "targetState">,
): { level: Level; msg: string; attributes: Attributes } {
  const state = now.targetState;
  const achieved = w.seconds > 0 ? w.sent / w.seconds : 0;
  const parts = [
    `${rate(achieved)}/s sent (target ${rate(config.rate)}/s)`,
    `${now.inFlight} in flight`,
    list(w.statusClasses) || "no answers",
  ];
  if (w.failed > 0) parts.push(`no answer ${w.failed}`);
  if (w.shortfall > 0) {
    parts.push(`shortfall ${w.shortfall} (cap ${config.concurrency})`);
  }
  const down = state.up
    ? ""
    : `target unreachable (${state.reason}), retrying every ${
      formatDuration(state.backoffMs)
    }; `;
  const attributes: Attributes = {
    "loadgen.rate.target": config.rate,
    "loadgen.rate.achieved": round(achieved) ?? 0,
    "loadgen.in_flight": now.inFlight,
    "loadgen.sent": w.sent,
    "loadgen.completed": w.count,
    "loadgen.failed": w.failed,
    "loadgen.shortfall": w.shortfall,
    "loadgen.target.up": state.up,
  };
  for (const [cls, n] of Object.entries(w.statusClasses)) {
    attributes[`loadgen.status.${cls}`] = n;
  }
  if (w.latency.p50 !== undefined) {
    parts.push(
      WINDOW_LATENCIES.map((k) => `${k} ${ms(w.latency[k])}ms`).join(" "),
    );
    for (const k of WINDOW_LATENCIES) {
      attributes[`loadgen.latency.${k}_ms`] = round(w.latency[k])!;
    }
  }
  if (!state.up) attributes["error.type"] = state.reason;
  return {
    level: state.up ? "info" : "warn",
    msg: `progress: ${down}${parts.join(", ")}`,
    attributes,
  };
}
