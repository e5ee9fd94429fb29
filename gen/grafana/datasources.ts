/**
 * Prometheus, Tempo and Loki with the correlations between them, as Grafana
 * reads them (the caller escapes `$` for the file).
 * @module
 */
import type { Queries } from "./queries.ts";
import { DATASOURCE } from "./uids.ts";

const { prometheus, tempo, loki } = DATASOURCE;

export function datasources(
  urls: Readonly<Record<keyof typeof DATASOURCE, string>>,
  series: Queries["spanMetrics"],
): Record<string, unknown> {
  /** A datasource whose type is its uid, updated by name on every start. */
  const source = (
    name: string,
    uid: keyof typeof urls,
    jsonData: Record<string, unknown>,
    isDefault?: boolean,
  ) => ({
    name,
    uid,
    type: uid,
    access: "proxy",
    orgId: 1,
    url: urls[uid],
    ...(isDefault && { isDefault }),
    editable: false,
    jsonData,
  });
  const around = { spanStartTimeShift: "-5m", spanEndTimeShift: "5m" };
  const tags = (value: string) => [{ key: "service.name", value }];
  return {
    apiVersion: 1,
    datasources: [
      source("Prometheus", prometheus, {
        httpMethod: "POST",
        prometheusType: "Prometheus",
        exemplarTraceIdDestinations: [
          // Prometheus' OTLP receiver labels exemplars trace_id ...
          { name: "trace_id", datasourceUid: tempo },
          // ... Tempo's metrics generator labels them traceID.
          { name: "traceID", datasourceUid: tempo },
        ],
      }, true),
      source("Tempo", tempo, {
        streamingEnabled: { search: true },
        tracesToLogsV2: {
          datasourceUid: loki,
          ...around,
          tags: tags("service_name"),
          filterByTraceID: false,
          filterBySpanID: false,
          // OTLP logs keep trace_id as structured metadata, not in the line.
          customQuery: true,
          query: '{${__tags}} | trace_id="${__trace.traceId}"',
        },
        tracesToMetrics: {
          datasourceUid: prometheus,
          ...around,
          tags: tags(series.serviceLabel),
          queries: [
            ["Request rate", `sum(rate(${series.calls}{$__tags}[5m]))`],
            [
              "Error rate",
              `sum(rate(${series.calls}{$__tags, status_code="STATUS_CODE_ERROR"}[5m]))`,
            ],
            [
              "p95 latency",
              `histogram_quantile(0.95, sum by (le) (rate(${series.latency}_bucket{$__tags}[5m])))`,
            ],
          ].map(([name, query]) => ({ name, query })),
        },
        serviceMap: { datasourceUid: prometheus },
        nodeGraph: { enabled: true },
        search: { hide: false },
      }),
      source("Loki", loki, {
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
          datasourceUid: tempo,
          urlDisplayLabel: "View trace",
        }],
      }),
    ],
  };
}

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
