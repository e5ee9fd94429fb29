/**
 * Every PromQL, LogQL and TraceQL expression the dashboards and alert rules
 * use, built from the shared instrument specs (telemetry/instruments.ts) so
 * their names are the series the collector's exporter really produces.
 * @module
 */
import * as spec from "../../telemetry/instruments.ts";

const { prometheusJob, prometheusLabel, prometheusName } = spec;

export interface QueryScope {
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly loadgenName: string;
  /** Prometheus job of the collector's own metrics. */
  readonly collectorJob: string;
  /** Span metrics come from the collector's connector, not Tempo's generator. */
  readonly spanMetricsInCollector: boolean;
}

/** Span metrics derived from traces, and the label naming the service. */
export interface SpanMetricsSeries {
  readonly calls: string;
  /** Histogram base name. */
  readonly latency: string;
  readonly serviceLabel: string;
}

/**
 * Tempo's metrics generator (modules/generator/processor/spanmetrics), or
 * the collector's span_metrics connector with namespace `traces.spanmetrics`
 * and unit `s`, as the Prometheus OTLP receiver names it (resource attribute
 * service.name becomes `service_name`).
 */
const SPAN_METRICS = (inCollector: boolean): SpanMetricsSeries => ({
  calls: "traces_spanmetrics_calls_total",
  latency: `traces_spanmetrics_${inCollector ? "duration_seconds" : "latency"}`,
  serviceLabel: inCollector ? "service_name" : "service",
});

/** Signals the collector counts, with the word its metric names use. */
export const COLLECTOR_SIGNALS = [
  { signal: "spans", word: "spans" },
  { signal: "logs", word: "log_records" },
  { signal: "metrics", word: "metric_points" },
] as const;

type Word = (word: string) => string;
/**
 * Collector self-metric names at 0.159: its Prometheus pull reader
 * translates without type suffixes or units since 0.152, so counters carry
 * no `_total` (opentelemetry-collector v0.152.0 changelog).
 */
export const COLLECTOR_SERIES = {
  accepted: ((w) => `otelcol_receiver_accepted_${w}`) as Word,
  refused: ((w) => `otelcol_receiver_refused_${w}`) as Word,
  sent: ((w) => `otelcol_exporter_sent_${w}`) as Word,
  sendFailed: ((w) => `otelcol_exporter_send_failed_${w}`) as Word,
  enqueueFailed: ((w) => `otelcol_exporter_enqueue_failed_${w}`) as Word,
  queueSize: "otelcol_exporter_queue_size",
  queueCapacity: "otelcol_exporter_queue_capacity",
  memoryRss: "otelcol_process_memory_rss",
} as const;

export function queries(scope: QueryScope) {
  const job = prometheusJob(scope.serviceName, scope.serviceNamespace);
  const loadgenJob = prometheusJob(scope.loadgenName, scope.serviceNamespace);
  const sel = `job="${job}"`;
  const route = `${sel}, route=~"$route"`;
  const httpRoute = prometheusLabel("http.route");
  const requests = prometheusName(spec.APP_REQUESTS);
  const errors = prometheusName(spec.APP_REQUEST_ERRORS);
  const duration = prometheusName(spec.APP_REQUEST_DURATION);
  const serverDuration = prometheusName(spec.HTTP_SERVER_DURATION);
  const clientDuration = prometheusName(spec.HTTP_CLIENT_DURATION);
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
  const S = COLLECTOR_SERIES;
  const collectorTotal = (name: Word, window: string) =>
    COLLECTOR_SIGNALS.map((s) =>
      orZero(`sum(increase(${name(s.word)}{${col}}[${window}]))`)
    ).join(" + ");

  const spanMetrics = SPAN_METRICS(scope.spanMetricsInCollector);
  return {
    job,
    loadgenJob,
    spanMetrics,
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
    activeRequests: `sum(${prometheusName(spec.HTTP_SERVER_ACTIVE)}{${sel}})`,
    // The SDK's own counters: spans and log records the batch processors
    // dropped (queue full) or the exporter failed to send, by error.type;
    // 0 for every component until the first one.
    telemetryDropped: [
      ...[spec.SDK_SPANS_PROCESSED, spec.SDK_LOGS_PROCESSED],
      ...[spec.SDK_SPANS_EXPORTED, spec.SDK_LOGS_EXPORTED],
    ].map((instrument) => {
      const series = prometheusName(instrument);
      const selector = `job=~"${scope.serviceNamespace}/.*"`;
      const by = "job, otel_component_type, error_type";
      return `(sum by (${by}) (rate(${series}{${selector}, error_type!=""}[$__rate_interval])) or 0 * sum by (${by}) (rate(${series}{${selector}}[$__rate_interval])))`;
    }).join(" or "),
    loadgenRate: sumRate(
      prometheusName(spec.LOADGEN_REQUESTS),
      `job="${loadgenJob}"`,
      "route, outcome",
    ),
    loadgenP95: quantile(0.95, clientDuration, `job="${loadgenJob}"`, ""),
    /** Server spans' latency from span metrics, which carry exemplars. */
    spanLatencyQuantile: (q: number) =>
      quantile(
        q,
        spanMetrics.latency,
        `${spanMetrics.serviceLabel}="${scope.serviceName}", span_kind="SPAN_KIND_SERVER"`,
        "",
      ),
    spanMetricsRate:
      `sum by (span_name) (rate(${spanMetrics.calls}{${spanMetrics.serviceLabel}="${scope.serviceName}"}[$__rate_interval]))`,
    serviceGraphRate:
      `sum by (client, server) (rate(traces_service_graph_request_total[$__rate_interval]))`,
    collector: {
      accepted: (word: string) => sumRate(S.accepted(word), col),
      refused: (word: string) => sumRate(S.refused(word), col),
      sent: (word: string) => sumRate(S.sent(word), col, "exporter"),
      // The failure counter appears with the first failure: 0 until then.
      sendFailed: (word: string) =>
        `${sumRate(S.sendFailed(word), col, "exporter")} or 0 * ${
          sumRate(S.sent(word), col, "exporter")
        }`,
      queueUse:
        `max by (exporter) (${S.queueSize}{${col}}) / max by (exporter) (${S.queueCapacity}{${col}})`,
      memory: `max by (instance) (${S.memoryRss}{${col}})`,
      up: `up{job=~"${scope.collectorJob}.*"}`,
    },
    alerts: {
      errorPercent:
        `100 * sum(rate(${errors}{${sel}}[5m])) / sum(rate(${requests}{${sel}}[5m]))`,
      p95Ms:
        `histogram_quantile(0.95, sum by (le) (rate(${duration}_bucket{${sel}}[5m])))`,
      /** Items the collector accepted over the window (0 when it is silent or down). */
      received: (window: string) => collectorTotal(S.accepted, window),
      /** Items refused on receipt or failed on export over the window. */
      failures: (window: string) =>
        [S.refused, S.sendFailed, S.enqueueFailed]
          .map((name) => collectorTotal(name, window)).join(" + "),
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

export type Queries = ReturnType<typeof queries>;
