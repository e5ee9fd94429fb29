/**
 * Every config file a component mounts, serialized with its generated
 * header, and the backends' command-line flags: the bridge from the typed
 * config to the config and provisioning generators.
 *
 * @module
 */
import type { BackendArgs, ConfigContents } from "./components.ts";
import { FILES, MOUNTS } from "./components.ts";
import type { StackConfig } from "./types.ts";
import {
  collectorConfig,
  spanMetricsInCollector,
} from "./components/collector.ts";
import { lokiArgs, lokiConfig } from "./components/loki.ts";
import {
  prometheusArgs,
  prometheusConfig,
  SCRAPE_JOBS,
} from "./components/prometheus.ts";
import { tempoArgs, tempoConfig } from "./components/tempo.ts";
import { type ComponentName, CONTAINERS, type Placement } from "./placement.ts";
import { alertRules } from "./grafana/alerts.ts";
import { dashboardProvider, datasources } from "./grafana/datasources.ts";
import { dashboards } from "./grafana/dashboards.ts";
import { queries } from "./grafana/queries.ts";
import { escapeProvisioning } from "./grafana/uids.ts";
import { generatedHeader } from "./header.ts";
import { yamlText } from "./serialize.ts";

/** The Grafana folder holding the stack's dashboards. */
export const GRAFANA_FOLDER = "space-app";

/**
 * The folder holding the alert rules: its own, since the dashboard and
 * alerting provisioners may create a folder of the same title at once.
 */
export const ALERTS_FOLDER = "space-app alerts";

/** The query scope of the config's services. */
export function queryScope(config: StackConfig) {
  return queries({
    serviceName: config.components.app.serviceName,
    serviceNamespace: config.components.app.serviceNamespace,
    loadgenName: config.components.loadgen.serviceName,
    collectorJob: SCRAPE_JOBS.collector,
    spanMetricsInCollector: spanMetricsInCollector(config),
  });
}

/** Grafana's provisioning documents as data, before serialization. */
export function grafanaProvisioning(
  config: StackConfig,
  placement: Placement = CONTAINERS,
) {
  const c = config.components;
  const q = queryScope(config);
  const url = (name: ComponentName, port: number) =>
    `http://${placement.host(name)}:${port}`;
  return {
    datasources: datasources({
      prometheus: url("prometheus", c.prometheus.port),
      tempo: url("tempo", c.tempo.port),
      loki: url("loki", c.loki.port),
    }, q.spanMetrics),
    dashboardProvider: dashboardProvider({
      path: MOUNTS.grafanaDashboards,
      folder: GRAFANA_FOLDER,
    }),
    alerting: alertRules(q, {
      folder: ALERTS_FOLDER,
      evaluateEvery: c.grafana.alerts.evaluateEvery,
      errorRatePercent: c.grafana.alerts.errorRatePercent,
      p95LatencyMs: c.grafana.alerts.p95LatencyMs,
      noTelemetryFor: c.grafana.alerts.noTelemetryFor,
      notify: c.grafana.notify,
    }),
    dashboards: dashboards(q, {
      serviceName: c.app.serviceName,
      slowTraceMs: c.grafana.alerts.p95LatencyMs,
    }),
  };
}

/** The serialized config files of every component. */
export function configContents(
  config: StackConfig,
  source: string,
  placement: Placement = CONTAINERS,
): ConfigContents {
  const header = generatedHeader(source);
  const yaml = (text: string) => `${header}\n${text}`;
  const g = grafanaProvisioning(config, placement);
  return {
    collector: yaml(collectorConfig(config, placement)),
    prometheus: yaml(prometheusConfig(config, placement)),
    tempo: yaml(tempoConfig(config, placement)),
    loki: yaml(lokiConfig(config, placement)),
    grafana: {
      datasources: yaml(escapeProvisioning(yamlText([g.datasources]))),
      dashboardProvider: yaml(
        escapeProvisioning(yamlText([g.dashboardProvider])),
      ),
      // Not escaped: Grafana reads rule models raw (a `$$` would reach
      // Prometheus as is); a test keeps `$` out of this file altogether.
      alerting: yaml(yamlText([g.alerting])),
      // JSON has no comments and dashboards are not env-expanded: as is.
      dashboards: g.dashboards.map((d) => ({
        name: d.fileName,
        content: `${JSON.stringify(d.dashboard, null, 2)}\n`,
      })),
    },
  };
}

/** Command-line flags of each backend. */
export function backendArgs(
  config: StackConfig,
  placement: Placement = CONTAINERS,
): BackendArgs {
  return {
    prometheus: prometheusArgs(config, placement),
    tempo: tempoArgs(placement),
    loki: lokiArgs(placement),
    collector: [
      `--config=${placement.configDir("collector")}/${FILES.collector}`,
    ],
  };
}
