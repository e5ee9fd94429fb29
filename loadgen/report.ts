/**
 * What loadgen prints: the progress line (through the logger) and the
 * final summary, as a text table or one JSON object.
 *
 * @module
 */
import type { Attributes } from "@opentelemetry/api";
import type { Level } from "../telemetry/logger.ts";
import { formatDuration } from "../lib/duration.ts";
import type { LoadgenConfig } from "./flags.ts";
import type { OpenLoopScheduler } from "./schedule.ts";
import {
  LATENCIES,
  type RouteSummary,
  type RunTotals,
  type WindowStats,
} from "./stats.ts";

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
}

/** Combines the settings and the counts. */
export function buildSummary(info: RunInfo, totals: RunTotals): Summary {
  const seconds = info.elapsedMs / 1_000;
  return {
    ...info,
    ...totals,
    achievedRate: seconds > 0 ? totals.sent / seconds : 0,
  };
}

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
    }/s; sent ${s.sent}, shortfall ${s.total.shortfall} (concurrency cap ${s.concurrency}), cancelled ${s.total.cancelled}`,
    ...table,
    `answers: ${list(s.statusClasses) || "none"}; no answer: ${
      list(s.failures) || "0"
    }${s.sampled ? "; percentiles from a uniform sample" : ""}`,
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
  const answered = w.latency.p50 !== undefined;
  const parts = [
    `${rate(achieved)}/s sent (target ${rate(config.rate)}/s)`,
    `${now.inFlight} in flight`,
    list(w.statusClasses) || "no answers",
  ];
  if (w.failed > 0) parts.push(`no answer ${w.failed}`);
  if (w.shortfall > 0) {
    parts.push(`shortfall ${w.shortfall} (cap ${config.concurrency})`);
  }
  if (answered) {
    parts.push(
      WINDOW_LATENCIES.map((k) => `${k} ${ms(w.latency[k])}ms`).join(" "),
    );
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
    "loadgen.completed": w.completed,
    "loadgen.failed": w.failed,
    "loadgen.shortfall": w.shortfall,
    "loadgen.target.up": state.up,
  };
  for (const [cls, n] of Object.entries(w.statusClasses)) {
    attributes[`loadgen.status.${cls}`] = n;
  }
  if (answered) {
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
