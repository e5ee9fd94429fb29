/**
 * The dashboards: RED per route, traces and logs, collector health.
 * @module
 */
import {
  dashboard,
  described,
  logs,
  loki,
  nodeGraph,
  type Panel,
  prom,
  row,
  serviceMap,
  stat,
  table,
  timeseries as ts,
  traceql,
} from "./panels.ts";
import { COLLECTOR_SIGNALS, type Queries } from "./queries.ts";
import { DATASOURCE, ref } from "./uids.ts";

function red(q: Queries, title: string) {
  const byRoute = (expr: string) => [prom(expr, "{{route}}")];
  const latency = [0.5, 0.95, 0.99].map((p) =>
    prom(q.durationQuantile(p), `p${p * 100} {{route}}`)
  );
  return dashboard(
    "space-app-red.json",
    "space-app-red",
    title,
    "Rate, errors and duration per route, from the service's own metrics.",
    [
      row("Rate, errors, duration per route"),
      ts("Requests per second", [8, 8], "reqps", byRoute(q.requestRate)),
      described(
        ts("Error ratio", [8, 8], "percentunit", byRoute(q.errorRatio)),
        "5xx answers over all answers, per route.",
      ),
      ts("Errors per second", [8, 8], "reqps", byRoute(q.errorRate)),
      described(
        ts("Latency p50 / p95 / p99", [12, 9], "ms", latency),
        "From app_request_duration_ms, per route.",
      ),
      described(
        ts("p95 by http.route; server spans with exemplars", [12, 9], "s", [
          prom(q.serverDurationQuantile(0.95), "{{http_route}}"),
          // The SDK records no exemplars; span metrics carry a trace id each.
          prom(q.spanLatencyQuantile(0.95), "server spans p95", true),
        ]),
        "http.server.request.duration by route, and the span metrics of server spans: each diamond is an exemplar that opens its trace.",
      ),
      row("Traffic detail"),
      ts("Answers by status code", [8, 8], "reqps", [
        prom(q.statusCodes, "{{http_response_status_code}}"),
      ]),
      stat("In flight", [4, 8], "short", [prom(q.activeRequests, "in flight")]),
      ts("Load generator: requests by route and outcome", [6, 8], "reqps", [
        prom(q.loadgenRate, "{{route}} {{outcome}}"),
      ]),
      ts("Load generator: client p95", [6, 8], "s", [
        prom(q.loadgenP95, "p95"),
      ]),
      described(
        ts("Telemetry dropped before export", [24, 6], "short", [
          prom(
            q.telemetryDropped,
            "{{job}} {{otel_component_type}} {{error_type}}",
          ),
        ]),
        "Spans and log records dropped by the SDK's batch processors (queue full) or not delivered by the exporter (error.type), from the SDK's own otel.sdk.* counters.",
      ),
    ],
    [{
      name: "route",
      label: "Route",
      type: "query",
      datasource: ref(DATASOURCE.prometheus),
      query: { query: q.routeVariable, refId: "route" },
      definition: q.routeVariable,
      refresh: 2,
      includeAll: true,
      multi: true,
      allValue: ".*",
      current: { text: "All", value: "$__all" },
      sort: 1,
    }],
  );
}

function tracesLogs(q: Queries, title: string, slowMs: number) {
  const slow = `Slow traces (server spans over ${slowMs} ms)`;
  return dashboard(
    "space-app-traces-logs.json",
    "space-app-traces-logs",
    title,
    "Error logs, recent, failed and slow traces, and the service graph. Open a log line to jump to its trace.",
    [
      row("Logs"),
      logs("Warnings and errors", [16, 10], [loki(q.logs.errors)]),
      ts("Log lines by severity", [8, 10], "short", [
        loki(q.logs.volume, "{{severity_text}}"),
      ]),
      row("Traces"),
      table("Recent traces", [12, 10], [traceql(q.traces.recent)]),
      table("Failed traces", [12, 10], [traceql(q.traces.errors)]),
      table(slow, [12, 10], [traceql(q.traces.slow(slowMs))]),
      nodeGraph("Service graph", [12, 10], [serviceMap()]),
      ts("Span rate by span name (Tempo span metrics)", [12, 8], "reqps", [
        prom(q.spanMetricsRate, "{{span_name}}"),
      ]),
      ts("Calls between services (service graph)", [12, 8], "reqps", [
        prom(q.serviceGraphRate, "{{client}} → {{server}}"),
      ]),
    ],
  );
}

function collectorHealth(q: Queries) {
  const c = q.collector;
  // One row per direction, one panel per signal: what passed and what did not.
  const signals = (
    title: string,
    verb: string,
    targets: (word: string) => Panel[],
  ) => [
    row(title),
    ...COLLECTOR_SIGNALS.map((s) =>
      ts(`${verb} ${s.signal}`, [8, 8], "short", targets(s.word))
    ),
  ];
  return dashboard(
    "collector-health.json",
    "space-app-collector",
    "OpenTelemetry Collector health",
    "What the OpenTelemetry Collector receives, refuses, exports and fails to export, from its own metrics.",
    [
      ...signals("Received and refused", "Received", (word) => [
        prom(c.accepted(word), "accepted"),
        prom(c.refused(word), "refused"),
      ]),
      ...signals("Exported and failed", "Exported", (word) => [
        prom(c.sent(word), "sent {{exporter}}"),
        prom(c.sendFailed(word), "failed {{exporter}}"),
      ]),
      row("Resources"),
      ts("Sending queue use", [8, 8], "percentunit", [
        prom(c.queueUse, "{{exporter}}"),
      ]),
      ts("Memory (RSS)", [8, 8], "bytes", [prom(c.memory, "{{instance}}")]),
      stat("Scrape targets up", [8, 8], "short", [
        prom(c.up, "{{job}} {{instance}}"),
      ]),
    ],
  );
}

export function dashboards(q: Queries, slowTraceMs: number) {
  return [
    red(q, `${q.serviceName}: RED per route`),
    tracesLogs(q, `${q.serviceName}: traces and logs`, slowTraceMs),
    collectorHealth(q),
  ];
}
