/**
 * Alert rules in Grafana's file-provisioning format (apiVersion 1,
 * groups): the error rate, p95 latency, no telemetry arriving, and the
 * collector refusing or failing exports. Each rule is a PromQL query
 * (instant) and a threshold expression on it. With a notifier configured,
 * a contact point and the policy that routes every alert to it.
 *
 * @module
 */
import type { AlertNotifier } from "../types.ts";
import { durationSeconds } from "../units.ts";
import type { Queries } from "./queries.ts";
import { DATASOURCE, EXPRESSION } from "./uids.ts";

/** Thresholds and timing. */
export interface AlertOptions {
  readonly folder: string;
  readonly evaluateEvery: string;
  readonly errorRatePercent: number;
  readonly p95LatencyMs: number;
  readonly noTelemetryFor: string;
  readonly notify: AlertNotifier;
}

/** The contact point's name and receiver uid when a notifier is set. */
export const CONTACT_POINT = {
  name: "space-app notifications",
  uid: "space-app-notifications",
} as const;

/** Rule uids, for links and tests. */
export const ALERT_UIDS = {
  errorRate: "space-app-error-rate",
  latency: "space-app-p95-latency",
  noTelemetry: "space-app-no-telemetry",
  collectorFailing: "otelcol-refusing-or-failing",
} as const;

/** How long "no telemetry" must hold before it fires (start-up grace). */
export const NO_TELEMETRY_GRACE = "2m";

interface RuleSpec {
  readonly uid: string;
  readonly title: string;
  readonly expr: string;
  readonly op: "gt" | "lt";
  readonly threshold: number;
  readonly for: string;
  /** What an empty query result means. */
  readonly noData: "OK" | "Alerting" | "NoData";
  readonly severity: "warning" | "critical";
  readonly summary: string;
  readonly description: string;
  readonly lookbackSeconds: number;
}

function rule(spec: RuleSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    condition: "B",
    data: [
      {
        refId: "A",
        datasourceUid: DATASOURCE.prometheus,
        relativeTimeRange: { from: spec.lookbackSeconds, to: 0 },
        model: {
          refId: "A",
          datasource: { type: "prometheus", uid: DATASOURCE.prometheus },
          expr: spec.expr,
          instant: true,
          range: false,
        },
      },
      {
        refId: "B",
        datasourceUid: EXPRESSION,
        relativeTimeRange: { from: 0, to: 0 },
        model: {
          refId: "B",
          type: "threshold",
          expression: "A",
          datasource: { type: EXPRESSION, uid: EXPRESSION },
          conditions: [{
            evaluator: { type: spec.op, params: [spec.threshold] },
          }],
        },
      },
    ],
    for: spec.for,
    noDataState: spec.noData,
    execErrState: "Error",
    annotations: { summary: spec.summary, description: spec.description },
    labels: { severity: spec.severity, stack: "space-app" },
    isPaused: false,
  };
}

/**
 * Where notifications go. A policies entry replaces the organisation's
 * whole routing tree, so it is written only with a contact point to name.
 */
function routing(notify: AlertNotifier): Record<string, unknown> {
  if (notify.kind === "none") return {};
  return {
    contactPoints: [{
      orgId: 1,
      name: CONTACT_POINT.name,
      receivers: [{
        uid: CONTACT_POINT.uid,
        type: "webhook",
        settings: { url: notify.url, httpMethod: "POST" },
        disableResolveMessage: false,
      }],
    }],
    policies: [{
      orgId: 1,
      receiver: CONTACT_POINT.name,
      group_by: ["grafana_folder", "alertname"],
    }],
  };
}

/** The alerting provisioning document. */
export function alertRules(
  q: Queries,
  opts: AlertOptions,
): Record<string, unknown> {
  const quiet = opts.noTelemetryFor;
  const quietSeconds = durationSeconds(quiet);
  return {
    apiVersion: 1,
    ...routing(opts.notify),
    groups: [{
      orgId: 1,
      name: "space-app",
      folder: opts.folder,
      interval: opts.evaluateEvery,
      rules: [
        rule({
          uid: ALERT_UIDS.errorRate,
          title: "space-app error rate high",
          expr: q.alerts.errorPercent,
          op: "gt",
          threshold: opts.errorRatePercent,
          for: "5m",
          // No traffic is no error rate; the no-telemetry rule covers silence.
          noData: "OK",
          severity: "critical",
          summary:
            `More than ${opts.errorRatePercent}% of space-app requests failed over 5 minutes.`,
          description:
            "Ratio of app_request_errors_total to app_requests_total. Check the traces and logs dashboard for failed traces.",
          lookbackSeconds: 600,
        }),
        rule({
          uid: ALERT_UIDS.latency,
          title: "space-app p95 latency high",
          expr: q.alerts.p95Ms,
          op: "gt",
          threshold: opts.p95LatencyMs,
          for: "5m",
          noData: "OK",
          severity: "warning",
          summary:
            `p95 request latency above ${opts.p95LatencyMs} ms over 5 minutes.`,
          description:
            "From the app_request_duration_ms histogram; the RED dashboard's exemplars lead to slow traces.",
          lookbackSeconds: 600,
        }),
        rule({
          uid: ALERT_UIDS.noTelemetry,
          title: "No telemetry arriving",
          expr: q.alerts.received(quiet),
          op: "lt",
          threshold: 1,
          // A stack that just started has not scraped the collector twice
          // yet (increase() reads 0): only a quiet spell that lasts fires.
          for: NO_TELEMETRY_GRACE,
          // The collector itself gone means no series: that is the alert.
          noData: "Alerting",
          severity: "critical",
          summary:
            `The collector received no spans, logs or metrics for ${quiet}.`,
          description:
            "Sum of otelcol_receiver_accepted_* over the window. The services are down, cannot reach the collector, or the collector is down.",
          lookbackSeconds: Math.max(600, quietSeconds * 2),
        }),
        rule({
          uid: ALERT_UIDS.collectorFailing,
          title: "Collector refusing or failing exports",
          expr: q.alerts.failures("5m"),
          op: "gt",
          threshold: 0,
          for: "5m",
          noData: "OK",
          severity: "warning",
          summary:
            "The collector refused incoming telemetry or failed to export it for 5 minutes.",
          description:
            "otelcol_receiver_refused_* (memory_limiter pressure) and otelcol_exporter_send_failed_* / enqueue_failed_* (Tempo, Loki or the queue). See the collector health dashboard.",
          lookbackSeconds: 600,
        }),
      ],
    }],
  };
}
