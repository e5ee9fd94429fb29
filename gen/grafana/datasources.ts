/**
 * The datasources provisioning document: Prometheus, Tempo and Loki with
 * the correlations that make Grafana jump between them: exemplars to
 * traces, trace to logs and to metrics, logs to trace, the service map.
 * Values are written as Grafana should read them; the caller escapes `$`
 * for the file.
 *
 * @module
 */
import { DATASOURCE } from "./uids.ts";

/** Where Grafana reaches each backend. */
export interface DatasourceUrls {
  readonly prometheus: string;
  readonly tempo: string;
  readonly loki: string;
}

/** Span-metrics queries Tempo offers from a span (Tempo's generator series). */
const TRACE_TO_METRICS = [
  {
    name: "Request rate",
    query: "sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))",
  },
  {
    name: "Error rate",
    query:
      'sum(rate(traces_spanmetrics_calls_total{$__tags, status_code="STATUS_CODE_ERROR"}[5m]))',
  },
  {
    name: "p95 latency",
    query:
      "histogram_quantile(0.95, sum by (le) (rate(traces_spanmetrics_latency_bucket{$__tags}[5m])))",
  },
];

/** The provisioning document (apiVersion 1). */
export function datasources(urls: DatasourceUrls): Record<string, unknown> {
  return {
    apiVersion: 1,
    // Replace what an earlier provisioning left under these names.
    deleteDatasources: [
      { name: "Prometheus", orgId: 1 },
      { name: "Tempo", orgId: 1 },
      { name: "Loki", orgId: 1 },
    ],
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
            // The collector's exporter labels exemplars trace_id ...
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
            tags: [{ key: "service.name", value: "service" }],
            queries: TRACE_TO_METRICS,
          },
          serviceMap: { datasourceUid: DATASOURCE.prometheus },
          nodeGraph: { enabled: true },
          lokiSearch: { datasourceUid: DATASOURCE.loki },
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
          maxLines: 1000,
          derivedFields: [{
            name: "trace_id",
            // Matches the trace_id structured-metadata field, not line text.
            matcherType: "label",
            matcherRegex: "trace_id",
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
