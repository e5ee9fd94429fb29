/**
 * What loadgen prints: the progress line (through the logger) and the
 * final summary, as a text table or one JSON object.
 *
 * @module
 */
import type { Attributes } from "@opentelemetry/api";
import type { Level } from "../telemetry/logger.ts";
import { formatDuration } from "../lib/duration.ts";
import type { TargetState } from "./schedule.ts";
import type { RouteSummary, RunTotals, WindowStats } from "./stats.ts";

/** The run's settings and timing, for the summary. */
export interface RunInfo {
  readonly target: string;
  readonly seed: number;
  /** Target arrivals per second. */
  readonly rate: number;
  readonly concurrency: number;
  readonly mix: string;
  readonly workMs: string;
  /** Scheduling time, start to stop (in-flight requests finishing excluded). */
  readonly elapsedMs: number;
  /** Why the run ended: `duration`, `requests` or the signal name. */
  readonly stoppedBy: string;
}

/** Everything the final summary shows. */
export interface Summary extends RunInfo, RunTotals {
  /** Requests sent per second of scheduling time. */
  readonly achievedRate: number;
  /** Arrivals not sent: the concurrency cap was reached. */
  readonly shortfall: number;
  /** Requests aborted at stop. */
  readonly cancelled: number;
}

/** Combines the settings and the counts. */
export function buildSummary(info: RunInfo, totals: RunTotals): Summary {
  const seconds = info.elapsedMs / 1_000;
  return {
    ...info,
    ...totals,
    achievedRate: seconds > 0 ? totals.sent / seconds : 0,
    shortfall: totals.total.shortfall,
    cancelled: totals.total.cancelled,
  };
}

/** The latencies reported, in column order (the progress line omits `max`). */
const LATENCIES = ["p50", "p95", "p99", "max"] as const;
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

function routeJson(r: RouteSummary): Record<string, unknown> {
  const { route, count, errors, shortfall, cancelled } = r;
  return {
    route,
    count,
    errors,
    shortfall,
    cancelled,
    ...Object.fromEntries(
      LATENCIES.map((k) => [`${k}_ms`, round(r.latency[k])]),
    ),
  };
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
    shortfall: s.shortfall,
    cancelled: s.cancelled,
    status_classes: s.statusClasses,
    failures: s.failures,
    percentiles: s.sampled ? "sampled" : "exact",
    routes: s.routes.map(routeJson),
    total: routeJson(s.total),
  };
}

/** The columns of the summary table: header and cell. */
const COLUMNS: readonly [string, (r: RouteSummary) => string][] = [
  ["route", (r) => r.route],
  ["count", (r) => String(r.count)],
  ["errors", (r) => String(r.errors)],
  ...LATENCIES.map((k): [string, (r: RouteSummary) => string] => [
    `${k} ms`,
    (r) => ms(r.latency[k]),
  ]),
];

/** The summary as a text table. */
export function summaryText(s: Summary): string {
  const rows = [
    COLUMNS.map(([header]) => header),
    ...[...s.routes, s.total].map((r) => COLUMNS.map(([, cell]) => cell(r))),
  ];
  const widths = COLUMNS.map((_, i) =>
    Math.max(...rows.map((r) => r[i].length))
  );
  // The route column is left-aligned, the numbers right-aligned.
  const table = rows.map((r) =>
    r.map((cell, i) =>
      i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])
    )
      .join("  ")
  );
  return [
    `loadgen summary: ${
      formatDuration(s.elapsedMs)
    } against ${s.target} (stopped by ${s.stoppedBy}), seed ${s.seed}`,
    `rate: target ${rate(s.rate)}/s, achieved ${
      rate(s.achievedRate)
    }/s; sent ${s.sent}, shortfall ${s.shortfall} (concurrency cap ${s.concurrency}), cancelled ${s.cancelled}`,
    ...table,
    `answers: ${list(s.statusClasses) || "none"}; no answer: ${
      list(s.failures) || "0"
    }${s.sampled ? "; percentiles from a uniform sample" : ""}`,
  ].join("\n");
}

/** A log record: level, message and attributes. */
export interface ProgressRecord {
  readonly level: Level;
  readonly msg: string;
  readonly attributes: Attributes;
}

/** The progress line of one window. */
export function progressRecord(
  w: WindowStats,
  now: {
    readonly targetRate: number;
    readonly inFlight: number;
    readonly concurrency: number;
    readonly target: TargetState;
  },
): ProgressRecord {
  const achieved = w.seconds > 0 ? w.sent / w.seconds : 0;
  const answered = w.latency.p50 !== undefined;
  const parts = [
    `${rate(achieved)}/s sent (target ${rate(now.targetRate)}/s)`,
    `${now.inFlight} in flight`,
    list(w.statusClasses) || "no answers",
  ];
  if (w.failed > 0) parts.push(`no answer ${w.failed}`);
  if (w.shortfall > 0) {
    parts.push(`shortfall ${w.shortfall} (cap ${now.concurrency})`);
  }
  if (answered) {
    parts.push(
      WINDOW_LATENCIES.map((k) => `${k} ${ms(w.latency[k])}ms`).join(" "),
    );
  }
  const down = now.target.up
    ? ""
    : `target unreachable (${now.target.reason}), retrying every ${
      formatDuration(now.target.backoffMs)
    }; `;
  const attributes: Attributes = {
    "loadgen.rate.target": now.targetRate,
    "loadgen.rate.achieved": round(achieved) ?? 0,
    "loadgen.in_flight": now.inFlight,
    "loadgen.sent": w.sent,
    "loadgen.completed": w.completed,
    "loadgen.failed": w.failed,
    "loadgen.shortfall": w.shortfall,
    "loadgen.target.up": now.target.up,
  };
  for (const [cls, n] of Object.entries(w.statusClasses)) {
    attributes[`loadgen.status.${cls}`] = n;
  }
  if (answered) {
    for (const k of WINDOW_LATENCIES) {
      attributes[`loadgen.latency.${k}_ms`] = round(w.latency[k])!;
    }
  }
  if (!now.target.up) attributes["error.type"] = now.target.reason;
  return {
    level: now.target.up ? "info" : "warn",
    msg: `progress: ${down}${parts.join(", ")}`,
    attributes,
  };
}
