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

/**
 * Span metrics derived from traces (`latency` is the histogram's base name)
 * and the label naming the service: Tempo's metrics generator
 * (modules/generator/processor/spanmetrics), or the collector's
 * span_metrics connector with namespace `traces.spanmetrics` and unit `s`,
 * as the Prometheus OTLP receiver names it (resource attribute service.name
 * becomes `service_name`).
 */
const spanMetricsSeries = (inCollector: boolean) => ({
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

type PerSignal = (word: string) => string;
const perSignal = (name: string): PerSignal => (word) =>
  `otelcol_${name}_${word}`;
/**
 * Collector self-metric names at 0.159: its Prometheus pull reader
 * translates without type suffixes or units since 0.152, so counters carry
 * no `_total` (opentelemetry-collector v0.152.0 changelog).
 */
export const COLLECTOR_SERIES = {
  accepted: perSignal("receiver_accepted"),
  refused: perSignal("receiver_refused"),
  sent: perSignal("exporter_sent"),
  sendFailed: perSignal("exporter_send_failed"),
  enqueueFailed: perSignal("exporter_enqueue_failed"),
  queueSize: "otelcol_exporter_queue_size",
  queueCapacity: "otelcol_exporter_queue_capacity",
  memoryRss: "otelcol_process_memory_rss",
} as const;

const sumBy = (by: string) => `sum${by ? ` by (${by})` : ""}`;
const rate = (series: string, selector: string) =>
  `rate(${series}{${selector}}[$__rate_interval])`;
const sumRate = (series: string, selector: string, by = "") =>
  `${sumBy(by)} (${rate(series, selector)})`;
const quantile = (q: number, histogram: string, selector: string, by = "") =>
  `histogram_quantile(${q}, ${sumBy(by ? `le, ${by}` : "le")} (${
    rate(`${histogram}_bucket`, selector)
  }))`;

export function queries(scope: QueryScope) {
  const { serviceName, serviceNamespace } = scope;
  const job = prometheusJob(serviceName, serviceNamespace);
  const loadgenJob = prometheusJob(scope.loadgenName, serviceNamespace);
  const sel = `job="${job}"`;
  const route = `${sel}, route=~"$route"`;
  const requests = prometheusName(spec.APP_REQUESTS);
  const errors = prometheusName(spec.APP_REQUEST_ERRORS);
  const duration = prometheusName(spec.APP_REQUEST_DURATION);
  const serverDuration = prometheusName(spec.HTTP_SERVER_DURATION);
  const loadgen = `job="${loadgenJob}"`;
  const loadgenRequests = prometheusName(spec.LOADGEN_REQUESTS);
  const clientDuration = prometheusName(spec.HTTP_CLIENT_DURATION);
  const requestRate = sumRate(requests, route, "route");
  const errorRate = sumRate(errors, route, "route");
  const col = `job="${scope.collectorJob}"`;
  const S = COLLECTOR_SERIES;
  const collectorTotal = (name: PerSignal, window: string) =>
    COLLECTOR_SIGNALS.map((s) =>
      `(sum(increase(${name(s.word)}{${col}}[${window}])) or vector(0))`
    ).join(" + ");
  const spanMetrics = spanMetricsSeries(scope.spanMetricsInCollector);
  const spanService = `${spanMetrics.serviceLabel}="${serviceName}"`;
  const logs = `{service_name="${serviceName}"}`;
  const traces = `resource.service.name="${serviceName}"`;
  return {
    serviceName,
    job,
    loadgenJob,
    spanMetrics,
    routeVariable: `label_values(${requests}{${sel}}, route)`,
    requestRate,
    errorRate,
    errorRatio: `${errorRate} / ${requestRate}`,
    durationQuantile: (q: number) => quantile(q, duration, route, "route"),
    serverDurationQuantile: (q: number) =>
      quantile(q, serverDuration, sel, prometheusLabel("http.route")),
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
      const selector = `job=~"${serviceNamespace}/.*"`;
      const by = "job, otel_component_type, error_type";
      return `(${sumRate(series, `${selector}, error_type!=""`, by)} or 0 * ${
        sumRate(series, selector, by)
      })`;
    }).join(" or "),
    loadgenRate: sumRate(loadgenRequests, loadgen, "route, outcome"),
    loadgenP95: quantile(0.95, clientDuration, loadgen),
    /** Server spans' latency from span metrics, which carry exemplars. */
    spanLatencyQuantile: (q: number) =>
      quantile(
        q,
        spanMetrics.latency,
        `${spanService}, span_kind="SPAN_KIND_SERVER"`,
      ),
    spanMetricsRate: sumRate(spanMetrics.calls, spanService, "span_name"),
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
      errors: `${logs} | severity_text=~"ERROR|WARN"`,
      volume:
        `sum by (severity_text) (count_over_time(${logs} | severity_text!="" [$__auto]))`,
    },
    traces: {
      recent: `{${traces}}`,
      errors: `{${traces} && status = error}`,
      slow: (ms: number) =>
        `{${traces} && kind = server && duration > ${ms}ms}`,
    },
  };
}

export type Queries = ReturnType<typeof queries>;
