/**
 * Every PromQL and LogQL expression the dashboards and alert rules use,
 * built from the shared instrument specs (telemetry/instruments.ts) so
 * their names are the series the collector's exporter really produces.
 *
 * @module
 */
import {
  APP_REQUEST_DURATION,
  APP_REQUEST_ERRORS,
  APP_REQUESTS,
  HTTP_CLIENT_DURATION,
  HTTP_SERVER_ACTIVE,
  HTTP_SERVER_DURATION,
  LOADGEN_REQUESTS,
  prometheusJob,
  prometheusLabel,
  prometheusName,
  TELEMETRY_DROPPED,
} from "../../telemetry/instruments.ts";

/** Who the queries are about. */
export interface QueryScope {
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly loadgenName: string;
  /** Prometheus job of the collector's own metrics. */
  readonly collectorJob: string;
}

/** Signals the collector counts, with the word its metric names use. */
export const COLLECTOR_SIGNALS = [
  { signal: "spans", word: "spans" },
  { signal: "logs", word: "log_records" },
  { signal: "metrics", word: "metric_points" },
] as const;

/** Collector self-metric names (0.159, Prometheus pull reader: counters end in `_total`). */
export const COLLECTOR_SERIES = {
  accepted: (word: string) => `otelcol_receiver_accepted_${word}_total`,
  refused: (word: string) => `otelcol_receiver_refused_${word}_total`,
  sent: (word: string) => `otelcol_exporter_sent_${word}_total`,
  sendFailed: (word: string) => `otelcol_exporter_send_failed_${word}_total`,
  enqueueFailed: (word: string) =>
    `otelcol_exporter_enqueue_failed_${word}_total`,
  queueSize: "otelcol_exporter_queue_size",
  queueCapacity: "otelcol_exporter_queue_capacity",
  /** Unit suffix depends on the reader's settings: match both spellings. */
  memoryRssPattern: "otelcol_process_memory_rss(_bytes)?",
} as const;

/** The queries, per scope. */
export function queries(scope: QueryScope) {
  const job = prometheusJob(scope.serviceName, scope.serviceNamespace);
  const loadgenJob = prometheusJob(scope.loadgenName, scope.serviceNamespace);
  const sel = `job="${job}"`;
  const route = `${sel}, route=~"$route"`;
  const httpRoute = prometheusLabel("http.route");
  const requests = prometheusName(APP_REQUESTS);
  const errors = prometheusName(APP_REQUEST_ERRORS);
  const duration = prometheusName(APP_REQUEST_DURATION);
  const serverDuration = prometheusName(HTTP_SERVER_DURATION);
  const clientDuration = prometheusName(HTTP_CLIENT_DURATION);
  const col = `job="${scope.collectorJob}"`;
  const sumRate = (series: string, selector: string, by = "") =>
    `sum${
      by ? ` by (${by})` : ""
    } (rate(${series}{${selector}}[$__rate_interval]))`;
  const quantile = (q: number, bucket: string, selector: string, by: string) =>
    `histogram_quantile(${q}, sum by (le${
      by ? `, ${by}` : ""
    }) (rate(${bucket}_bucket{${selector}}[$__rate_interval])))`;
  const orZero = (expr: string) => `(${expr} or vector(0))`;
  const collectorTotal = (
    name: (word: string) => string,
    window: string,
  ) =>
    COLLECTOR_SIGNALS.map((s) =>
      orZero(`sum(increase(${name(s.word)}{${col}}[${window}]))`)
    ).join(" + ");

  return {
    job,
    loadgenJob,
    routeVariable: `label_values(${requests}{${sel}}, route)`,
    requestRate: sumRate(requests, route, "route"),
    errorRate: sumRate(errors, route, "route"),
    errorRatio: `${sumRate(errors, route, "route")} / ${
      sumRate(requests, route, "route")
    }`,
    durationQuantile: (q: number) => quantile(q, duration, route, "route"),
    serverDurationQuantile: (q: number) =>
      quantile(q, serverDuration, sel, httpRoute),
    statusCodes: sumRate(
      `${serverDuration}_count`,
      sel,
      prometheusLabel("http.response.status_code"),
    ),
    activeRequests: `sum(${prometheusName(HTTP_SERVER_ACTIVE)}{${sel}})`,
    telemetryDropped: `sum by (job, signal, reason) (rate(${
      prometheusName(TELEMETRY_DROPPED)
    }{job=~"${scope.serviceNamespace}/.*"}[$__rate_interval]))`,
    loadgenRate: sumRate(
      prometheusName(LOADGEN_REQUESTS),
      `job="${loadgenJob}"`,
      "route, outcome",
    ),
    loadgenP95: quantile(0.95, clientDuration, `job="${loadgenJob}"`, ""),
    spanMetricsRate:
      `sum by (span_name) (rate(traces_spanmetrics_calls_total{service="${scope.serviceName}"}[$__rate_interval]))`,
    serviceGraphRate:
      `sum by (client, server) (rate(traces_service_graph_request_total[$__rate_interval]))`,
    collector: {
      accepted: (word: string) => sumRate(COLLECTOR_SERIES.accepted(word), col),
      refused: (word: string) => sumRate(COLLECTOR_SERIES.refused(word), col),
      sent: (word: string) =>
        sumRate(COLLECTOR_SERIES.sent(word), col, "exporter"),
      sendFailed: (word: string) =>
        sumRate(COLLECTOR_SERIES.sendFailed(word), col, "exporter"),
      queueUse:
        `max by (exporter) (${COLLECTOR_SERIES.queueSize}{${col}}) / max by (exporter) (${COLLECTOR_SERIES.queueCapacity}{${col}})`,
      memory:
        `max by (instance) ({__name__=~"${COLLECTOR_SERIES.memoryRssPattern}", ${col}})`,
      up: `up{job=~"${scope.collectorJob}.*"}`,
    },
    alerts: {
      errorPercent:
        `100 * sum(rate(${errors}{${sel}}[5m])) / sum(rate(${requests}{${sel}}[5m]))`,
      p95Ms:
        `histogram_quantile(0.95, sum by (le) (rate(${duration}_bucket{${sel}}[5m])))`,
      /** Items the collector accepted over the window (0 when it is silent or down). */
      received: (window: string) =>
        collectorTotal(COLLECTOR_SERIES.accepted, window),
      /** Items refused on receipt or failed on export over the window. */
      failures: (window: string) =>
        `${collectorTotal(COLLECTOR_SERIES.refused, window)} + ${
          collectorTotal(COLLECTOR_SERIES.sendFailed, window)
        } + ${collectorTotal(COLLECTOR_SERIES.enqueueFailed, window)}`,
    },
    logs: {
      errors:
        `{service_name="${scope.serviceName}"} | severity_text=~"ERROR|WARN"`,
      volume:
        `sum by (severity_text) (count_over_time({service_name="${scope.serviceName}"} | severity_text!="" [$__auto]))`,
    },
    traces: {
      recent: `{resource.service.name="${scope.serviceName}"}`,
      errors:
        `{resource.service.name="${scope.serviceName}" && status = error}`,
      slow: (ms: number) =>
        `{resource.service.name="${scope.serviceName}" && kind = server && duration > ${ms}ms}`,
    },
  };
}

/** What {@link queries} returns. */
export type Queries = ReturnType<typeof queries>;
