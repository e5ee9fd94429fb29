/**
 * The dashboards, as code: RED per route with latency percentiles and
 * exemplars; traces and logs (error logs, recent, failed and slow traces,
 * the service graph); collector health.
 *
 * @module
 */
import {
  dashboard,
  logs,
  loki,
  nodeGraph,
  type Panel,
  prom,
  row,
  serviceMap,
  stat,
  table,
  timeseries,
  traceql,
} from "./panels.ts";
import { COLLECTOR_SIGNALS, type Queries } from "./queries.ts";
import { DATASOURCE, ref } from "./uids.ts";

/** A dashboard and the file it is written to. */
export interface DashboardFile {
  readonly fileName: string;
  readonly uid: string;
  readonly dashboard: Record<string, unknown>;
}

/** Dashboard uids, for links and tests. */
export const DASHBOARD_UIDS = {
  red: "space-app-red",
  tracesLogs: "space-app-traces-logs",
  collector: "space-app-collector",
} as const;

function routeVariable(q: Queries): Record<string, unknown> {
  return {
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
  };
}

function red(q: Queries, title: string): Record<string, unknown> {
  const p: Panel[] = [
    row(1, "Rate, errors, duration per route", 0),
    timeseries(2, "Requests per second", { x: 0, y: 1, w: 8, h: 8 }, "reqps", [
      prom("A", q.requestRate, "{{route}}"),
    ]),
    timeseries(
      3,
      "Error ratio",
      { x: 8, y: 1, w: 8, h: 8 },
      "percentunit",
      [prom("A", q.errorRatio, "{{route}}")],
      "5xx answers over all answers, per route.",
    ),
    timeseries(4, "Errors per second", { x: 16, y: 1, w: 8, h: 8 }, "reqps", [
      prom("A", q.errorRate, "{{route}}"),
    ]),
    timeseries(
      5,
      "Latency p50 / p95 / p99",
      { x: 0, y: 9, w: 12, h: 9 },
      "ms",
      [
        prom("A", q.durationQuantile(0.5), "p50 {{route}}"),
        prom("B", q.durationQuantile(0.95), "p95 {{route}}"),
        prom("C", q.durationQuantile(0.99), "p99 {{route}}"),
      ],
      "From app_request_duration_ms, per route.",
    ),
    timeseries(
      6,
      "p95 by http.route; server spans with exemplars",
      { x: 12, y: 9, w: 12, h: 9 },
      "s",
      [
        prom("A", q.serverDurationQuantile(0.95), "{{http_route}}"),
        // The SDK records no exemplars; span metrics carry a trace id each.
        prom("B", q.spanLatencyQuantile(0.95), "server spans p95", true),
      ],
      "http.server.request.duration by route, and the span metrics of server spans: each diamond is an exemplar that opens its trace.",
    ),
    row(7, "Traffic detail", 18),
    timeseries(
      8,
      "Answers by status code",
      { x: 0, y: 19, w: 8, h: 8 },
      "reqps",
      [prom("A", q.statusCodes, "{{http_response_status_code}}")],
    ),
    stat(9, "In flight", { x: 8, y: 19, w: 4, h: 8 }, "short", [
      prom("A", q.activeRequests, "in flight"),
    ]),
    timeseries(
      10,
      "Load generator: requests by route and outcome",
      { x: 12, y: 19, w: 6, h: 8 },
      "reqps",
      [prom("A", q.loadgenRate, "{{route}} {{outcome}}")],
    ),
    timeseries(
      11,
      "Load generator: client p95",
      { x: 18, y: 19, w: 6, h: 8 },
      "s",
      [prom("A", q.loadgenP95, "p95")],
    ),
    timeseries(
      12,
      "Telemetry dropped before export",
      { x: 0, y: 27, w: 24, h: 6 },
      "short",
      [
        prom(
          "A",
          q.telemetryDropped,
          "{{job}} {{otel_component_type}} {{error_type}}",
        ),
      ],
      "Spans and log records dropped by the SDK's batch processors (queue full) or not delivered by the exporter (error.type), from the SDK's own otel.sdk.* counters.",
    ),
  ];
  return dashboard(
    DASHBOARD_UIDS.red,
    title,
    "Rate, errors and duration per route, from the service's own metrics.",
    p,
    [routeVariable(q)],
  );
}

function tracesLogs(q: Queries, title: string, slowMs: number) {
  const p: Panel[] = [
    row(1, "Logs", 0),
    logs(2, "Warnings and errors", { x: 0, y: 1, w: 16, h: 10 }, [
      loki("A", q.logs.errors),
    ]),
    timeseries(
      3,
      "Log lines by severity",
      { x: 16, y: 1, w: 8, h: 10 },
      "short",
      [
        loki("A", q.logs.volume, "{{severity_text}}"),
      ],
    ),
    row(4, "Traces", 11),
    table(5, "Recent traces", { x: 0, y: 12, w: 12, h: 10 }, [
      traceql("A", q.traces.recent),
    ]),
    table(6, "Failed traces", { x: 12, y: 12, w: 12, h: 10 }, [
      traceql("A", q.traces.errors),
    ]),
    table(7, `Slow traces (server spans over ${slowMs} ms)`, {
      x: 0,
      y: 22,
      w: 12,
      h: 10,
    }, [traceql("A", q.traces.slow(slowMs))]),
    nodeGraph(8, "Service graph", { x: 12, y: 22, w: 12, h: 10 }, [
      serviceMap("A"),
    ]),
    timeseries(
      9,
      "Span rate by span name (Tempo span metrics)",
      { x: 0, y: 32, w: 12, h: 8 },
      "reqps",
      [prom("A", q.spanMetricsRate, "{{span_name}}")],
    ),
    timeseries(
      10,
      "Calls between services (service graph)",
      { x: 12, y: 32, w: 12, h: 8 },
      "reqps",
      [prom("A", q.serviceGraphRate, "{{client}} → {{server}}")],
    ),
  ];
  return dashboard(
    DASHBOARD_UIDS.tracesLogs,
    title,
    "Error logs, recent, failed and slow traces, and the service graph. Open a log line to jump to its trace.",
    p,
  );
}

function collectorHealth(q: Queries, title: string) {
  const c = q.collector;
  const p: Panel[] = [];
  let id = 1;
  // One row per direction, one panel per signal: what passed and what did not.
  const signalRow = (
    title: string,
    y: number,
    verb: string,
    good: (word: string) => string,
    bad: (word: string) => string,
    legends: [string, string],
  ) => {
    p.push(row(id++, title, y));
    COLLECTOR_SIGNALS.forEach((s, i) => {
      p.push(
        timeseries(
          id++,
          `${verb} ${s.signal}`,
          { x: i * 8, y: y + 1, w: 8, h: 8 },
          "short",
          [
            prom("A", good(s.word), legends[0]),
            prom("B", bad(s.word), legends[1]),
          ],
        ),
      );
    });
  };
  signalRow("Received and refused", 0, "Received", c.accepted, c.refused, [
    "accepted",
    "refused",
  ]);
  signalRow("Exported and failed", 9, "Exported", c.sent, c.sendFailed, [
    "sent {{exporter}}",
    "failed {{exporter}}",
  ]);
  p.push(row(id++, "Resources", 18));
  p.push(
    timeseries(
      id++,
      "Sending queue use",
      { x: 0, y: 19, w: 8, h: 8 },
      "percentunit",
      [
        prom("A", c.queueUse, "{{exporter}}"),
      ],
    ),
    timeseries(id++, "Memory (RSS)", { x: 8, y: 19, w: 8, h: 8 }, "bytes", [
      prom("A", c.memory, "{{instance}}"),
    ]),
    stat(id++, "Scrape targets up", { x: 16, y: 19, w: 8, h: 8 }, "short", [
      prom("A", c.up, "{{job}} {{instance}}"),
    ]),
  );
  return dashboard(
    DASHBOARD_UIDS.collector,
    title,
    "What the OpenTelemetry Collector receives, refuses, exports and fails to export, from its own metrics.",
    p,
  );
}

/** Every dashboard of the stack. */
export function dashboards(
  q: Queries,
  opts: { serviceName: string; slowTraceMs: number },
): DashboardFile[] {
  return [
    {
      fileName: "space-app-red.json",
      uid: DASHBOARD_UIDS.red,
      dashboard: red(q, `${opts.serviceName}: RED per route`),
    },
    {
      fileName: "space-app-traces-logs.json",
      uid: DASHBOARD_UIDS.tracesLogs,
      dashboard: tracesLogs(
        q,
        `${opts.serviceName}: traces and logs`,
        opts.slowTraceMs,
      ),
    },
    {
      fileName: "collector-health.json",
      uid: DASHBOARD_UIDS.collector,
      dashboard: collectorHealth(q, "OpenTelemetry Collector health"),
    },
  ];
}
