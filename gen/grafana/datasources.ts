/**
 * The datasources provisioning document: Prometheus, Tempo and Loki with
 * the correlations that make Grafana jump between them: exemplars to
 * traces, trace to logs and to metrics, logs to trace, the service map.
 * Values are written as Grafana should read them; the caller escapes `$`
 * for the file.
 *
 * @module
 */
import type { SpanMetricsSeries } from "./queries.ts";
import { DATASOURCE } from "./uids.ts";

/** Where Grafana reaches each backend. */
export interface DatasourceUrls {
  readonly prometheus: string;
  readonly tempo: string;
  readonly loki: string;
}

/** Span-metrics queries Tempo offers from a span. */
function traceToMetrics(series: SpanMetricsSeries) {
  return [
    {
      name: "Request rate",
      query: `sum(rate(${series.calls}{$__tags}[5m]))`,
    },
    {
      name: "Error rate",
      query:
        `sum(rate(${series.calls}{$__tags, status_code="STATUS_CODE_ERROR"}[5m]))`,
    },
    {
      name: "p95 latency",
      query:
        `histogram_quantile(0.95, sum by (le) (rate(${series.latency}_bucket{$__tags}[5m])))`,
    },
  ];
}

/** The provisioning document (apiVersion 1). */
export function datasources(
  urls: DatasourceUrls,
  spanMetrics: SpanMetricsSeries,
): Record<string, unknown> {
  return {
    // Provisioning updates datasources by name on every start.
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        uid: DATASOURCE.prometheus,
        type: "prometheus",
        access: "proxy",
        orgId: 1,
        url: urls.prometheus,
        isDefault: true,
        editable: false,
        jsonData: {
          httpMethod: "POST",
          prometheusType: "Prometheus",
          exemplarTraceIdDestinations: [
            // Prometheus' OTLP receiver labels exemplars trace_id ...
            { name: "trace_id", datasourceUid: DATASOURCE.tempo },
            // ... Tempo's metrics generator labels them traceID.
            { name: "traceID", datasourceUid: DATASOURCE.tempo },
          ],
        },
      },
      {
        name: "Tempo",
        uid: DATASOURCE.tempo,
        type: "tempo",
        access: "proxy",
        orgId: 1,
        url: urls.tempo,
        editable: false,
        jsonData: {
          streamingEnabled: { search: true },
          tracesToLogsV2: {
            datasourceUid: DATASOURCE.loki,
            spanStartTimeShift: "-5m",
            spanEndTimeShift: "5m",
            tags: [{ key: "service.name", value: "service_name" }],
            filterByTraceID: false,
            filterBySpanID: false,
            // OTLP logs keep trace_id as structured metadata, not in the line.
            customQuery: true,
            query: '{${__tags}} | trace_id="${__trace.traceId}"',
          },
          tracesToMetrics: {
            datasourceUid: DATASOURCE.prometheus,
            spanStartTimeShift: "-5m",
            spanEndTimeShift: "5m",
            tags: [{ key: "service.name", value: spanMetrics.serviceLabel }],
            queries: traceToMetrics(spanMetrics),
          },
          serviceMap: { datasourceUid: DATASOURCE.prometheus },
          nodeGraph: { enabled: true },
          search: { hide: false },
        },
      },
      {
        name: "Loki",
        uid: DATASOURCE.loki,
        type: "loki",
        access: "proxy",
        orgId: 1,
        url: urls.loki,
        editable: false,
        jsonData: {
          // A string in the Loki datasource's settings type.
          maxLines: "1000",
          derivedFields: [{
            name: "trace_id",
            // Matches the trace_id structured-metadata field, not line text.
            matcherType: "label",
            // A regular expression over field names: anchored, or
            // otel_trace_id or parent_trace_id would match first.
            matcherRegex: "^trace_id$",
            url: "${__value.raw}",
            datasourceUid: DATASOURCE.tempo,
            urlDisplayLabel: "View trace",
          }],
        },
      },
    ],
  };
}

/** The dashboards provider document (apiVersion 1). */
export function dashboardProvider(
  opts: { path: string; folder: string },
): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [{
      name: opts.folder,
      orgId: 1,
      folder: opts.folder,
      type: "file",
      // Dashboards are code: edits in the UI would be lost on the next start.
      disableDeletion: true,
      editable: false,
      allowUiUpdates: false,
      updateIntervalSeconds: 30,
      options: { path: opts.path, foldersFromFilesStructure: false },
    }],
  };
}
