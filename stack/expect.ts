/**
 * What a running stack must hold, computed from the typed config with the
 * generator functions that wrote its files, not parsed back from `deploy/`.
 *
 * @module
 */
import { spanMetricsInCollector } from "../gen/components/collector.ts";
import { SCRAPE_JOBS } from "../gen/components/prometheus.ts";
import type { StackConfig } from "../gen/types.ts";
import { grafanaProvisioning, queryScope } from "../gen/components/grafana.ts";
import { BUILT_IN_VARIABLES, expressions } from "../gen/grafana/expressions.ts";
import { COLLECTOR_SERIES, COLLECTOR_SIGNALS } from "../gen/grafana/queries.ts";
import { DATASOURCE } from "../gen/grafana/uids.ts";
import {
  APP_REQUEST_DURATION,
  APP_REQUESTS,
  HTTP_SERVER_DURATION,
  LOADGEN_REQUESTS,
  prometheusName,
  prometheusSeries,
} from "../telemetry/instruments.ts";

/** Why Tempo's generated series cannot exist in a native run. */
export const NO_TEMPO =
  "from Tempo's metrics generator; Tempo does not run natively";

export type Expectations = ReturnType<typeof expectations>;

/** What the suite expects of `config` with every backend or the native set (no Tempo, Loki, Grafana). */
export function expectations(config: StackConfig, backends: "all" | "native") {
  const c = config.components;
  const q = queryScope(config);
  const g = grafanaProvisioning(config);
  const fromTempo = !spanMetricsInCollector(config);
  const rules = (g.alerting.groups as { rules: Record<string, string>[] }[])
    .flatMap((group) => group.rules);
  const job = (name: string, j: string) => `${name}{job="${j}"}`;
  return {
    service: c.app.serviceName,
    loadgen: c.loadgen.serviceName,
    /** Selectors Prometheus must find, the first with every route. */
    series: [
      job(prometheusName(APP_REQUESTS), q.job),
      ...[HTTP_SERVER_DURATION, APP_REQUEST_DURATION].map((s) =>
        job(prometheusSeries(s)[0], q.job)
      ),
      job(prometheusName(LOADGEN_REQUESTS), q.loadgenJob),
    ],
    exemplars:
      `${q.spanMetrics.latency}_bucket{${q.spanMetrics.serviceLabel}="${c.app.serviceName}"}`,
    collector: COLLECTOR_SIGNALS.flatMap(({ word }) => [
      COLLECTOR_SERIES.accepted(word),
      COLLECTOR_SERIES.sent(word),
    ]),
    collectorJob: SCRAPE_JOBS.collector,
    serviceGraph:
      `traces_service_graph_request_total{client="${c.loadgen.serviceName}", server="${c.app.serviceName}"}`,
    /** A `/work` duration that makes slow traces for the slow-trace panels. */
    slowWorkMs: c.grafana.alerts.p95LatencyMs + 100,
    expressions: expressions(g),
    /** Fixed substitutions (`$__rate_interval`, `$__tags`). */
    variables: {
      ...BUILT_IN_VARIABLES,
      "$__tags": `${q.spanMetrics.serviceLabel}="${c.app.serviceName}"`,
    } as Record<string, string>,
    /** Why a series cannot exist in this run, or undefined. */
    absent: (series: string): string | undefined =>
      backends === "native" && fromTempo && series.startsWith("traces_")
        ? NO_TEMPO
        : undefined,
    datasources: Object.values(DATASOURCE) as string[],
    dashboards: g.dashboards.map((d) => ({
      uid: d.uid,
      title: String(d.dashboard.title),
    })),
    alertRules: rules.map((r) => ({ uid: r.uid, title: r.title })),
  };
}
