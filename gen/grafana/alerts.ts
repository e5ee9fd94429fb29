/**
 * Alert rules in Grafana's provisioning format, each an instant PromQL query
 * and a threshold; with a notifier, a contact point and its policy.
 * @module
 */
import type { AlertNotifier, AlertsConfig } from "../types.ts";
import { durationSeconds } from "../units.ts";
import type { Queries } from "./queries.ts";
import { DATASOURCE, EXPRESSION, ref } from "./uids.ts";

const CONTACT_POINT = "space-app notifications";

/**
 * The rules: each fires `above` or `below` a threshold. Unless a rule says
 * otherwise it fires after 5 minutes (`for`), looks back 10
 * (`lookbackSeconds`) and takes silence as OK (`noData`).
 */
function specs(q: Queries, opts: AlertsConfig) {
  const quiet = opts.noTelemetryFor;
  return [
    {
      uid: "space-app-error-rate",
      title: "space-app error rate high",
      expr: q.alerts.errorPercent,
      // No traffic is no error rate; the no-telemetry rule covers silence.
      above: opts.errorRatePercent,
      severity: "critical",
      summary:
        `More than ${opts.errorRatePercent}% of space-app requests failed over 5 minutes.`,
      description:
        "Ratio of app_request_errors_total to app_requests_total. Check the traces and logs dashboard for failed traces.",
    },
    {
      uid: "space-app-p95-latency",
      title: "space-app p95 latency high",
      expr: q.alerts.p95Ms,
      above: opts.p95LatencyMs,
      severity: "warning",
      summary:
        `p95 request latency above ${opts.p95LatencyMs} ms over 5 minutes.`,
      description:
        "From the app_request_duration_ms histogram; the RED dashboard's exemplars lead to slow traces.",
    },
    {
      uid: "space-app-no-telemetry",
      title: "No telemetry arriving",
      expr: q.alerts.received(quiet),
      below: 1,
      // A stack that just started has not scraped the collector twice
      // yet (increase() reads 0): only a quiet spell that lasts fires.
      for: "2m",
      // The collector itself gone means no series: that is the alert.
      noData: "Alerting",
      severity: "critical",
      summary: `The collector received no spans, logs or metrics for ${quiet}.`,
      description:
        "Sum of otelcol_receiver_accepted_* over the window. The services are down, cannot reach the collector, or the collector is down.",
      lookbackSeconds: Math.max(600, durationSeconds(quiet) * 2),
    },
    {
      uid: "otelcol-refusing-or-failing",
      title: "Collector refusing or failing exports",
      expr: q.alerts.failures("5m"),
      above: 0,
      severity: "warning",
      summary:
        "The collector refused incoming telemetry or failed to export it for 5 minutes.",
      description:
        "otelcol_receiver_refused_* (memory_limiter pressure) and otelcol_exporter_send_failed_* / enqueue_failed_* (Tempo, Loki or the queue). See the collector health dashboard.",
    },
  ];
}

/** A step of a rule: a query or an expression on it, over `from` seconds. */
const step = (refId: string, uid: string, from: number, model: object) => ({
  refId,
  datasourceUid: uid,
  relativeTimeRange: { from, to: 0 },
  model: { refId, ...model },
});

function rule(spec: ReturnType<typeof specs>[number]) {
  const evaluator = spec.below === undefined
    ? { type: "gt", params: [spec.above] }
    : { type: "lt", params: [spec.below] };
  return {
    uid: spec.uid,
    title: spec.title,
    condition: "B",
    data: [
      step("A", DATASOURCE.prometheus, spec.lookbackSeconds ?? 600, {
        datasource: ref(DATASOURCE.prometheus),
        expr: spec.expr,
        instant: true,
        range: false,
      }),
      step("B", EXPRESSION, 0, {
        type: "threshold",
        expression: "A",
        datasource: ref(EXPRESSION),
        conditions: [{ evaluator }],
      }),
    ],
    for: spec.for ?? "5m",
    noDataState: spec.noData ?? "OK",
    execErrState: "Error",
    annotations: { summary: spec.summary, description: spec.description },
    labels: { severity: spec.severity, stack: "space-app" },
    isPaused: false,
  };
}

/** A policies entry replaces the whole routing tree: only with a contact point. */
function routing(notify: AlertNotifier) {
  if (notify.kind === "none") return {};
  return {
    contactPoints: [{
      orgId: 1,
      name: CONTACT_POINT,
      receivers: [{
        uid: "space-app-notifications",
        type: "webhook",
        settings: { url: notify.url, httpMethod: "POST" },
        disableResolveMessage: false,
      }],
    }],
    policies: [{
      orgId: 1,
      receiver: CONTACT_POINT,
      group_by: ["grafana_folder", "alertname"],
    }],
  };
}

export function alertRules(
  q: Queries,
  opts: AlertsConfig & { folder: string; notify: AlertNotifier },
): Record<string, unknown> {
  return {
    apiVersion: 1,
    ...routing(opts.notify),
    groups: [{
      orgId: 1,
      name: "space-app",
      folder: opts.folder,
      interval: opts.evaluateEvery,
      rules: specs(q, opts).map(rule),
    }],
  };
}
