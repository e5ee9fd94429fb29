/**
 * Every config file a component mounts, serialized with its generated
 * header, and the backends' command-line flags: the bridge from the typed
 * config to the config and provisioning generators.
 *
 * @module
 */
import type { BackendArgs, ConfigContents } from "./components.ts";
import { MOUNTS } from "./components.ts";
import type { StackConfig } from "./config/types.ts";
import { collectorConfig } from "./configs/collector.ts";
import { lokiArgs, lokiConfig } from "./configs/loki.ts";
import {
  prometheusArgs,
  prometheusConfig,
  SCRAPE_JOBS,
} from "./configs/prometheus.ts";
import { tempoArgs, tempoConfig } from "./configs/tempo.ts";
import { alertRules } from "./grafana/alerts.ts";
import { dashboardProvider, datasources } from "./grafana/datasources.ts";
import { dashboards } from "./grafana/dashboards.ts";
import { queries } from "./grafana/queries.ts";
import { escapeProvisioning } from "./grafana/uids.ts";
import { generatedHeader } from "./header.ts";
import { NAMES } from "./names.ts";
import { yamlText } from "./serialize.ts";

/** The Grafana folder holding the stack's dashboards and alert rules. */
export const GRAFANA_FOLDER = "space-app";

/** The query scope of the config's services. */
export function queryScope(config: StackConfig) {
  return queries({
    serviceName: config.components.app.serviceName,
    serviceNamespace: config.components.app.serviceNamespace,
    loadgenName: config.components.loadgen.serviceName,
    collectorJob: SCRAPE_JOBS.collector,
  });
}

/** The serialized config files of every component. */
export function configContents(
  config: StackConfig,
  source: string,
): ConfigContents {
  const header = generatedHeader(source);
  const yaml = (text: string) => `${header}\n${text}`;
  const c = config.components;
  const q = queryScope(config);
  const url = (name: string, port: number) => `http://${name}:${port}`;
  return {
    collector: yaml(collectorConfig(config)),
    prometheus: yaml(prometheusConfig(config)),
    tempo: yaml(tempoConfig(config)),
    loki: yaml(lokiConfig(config)),
    grafana: {
      datasources: yaml(escapeProvisioning(yamlText([datasources({
        prometheus: url(NAMES.prometheus, c.prometheus.port),
        tempo: url(NAMES.tempo, c.tempo.port),
        loki: url(NAMES.loki, c.loki.port),
      })]))),
      dashboardProvider: yaml(escapeProvisioning(yamlText([dashboardProvider({
        path: MOUNTS.grafanaDashboards,
        folder: GRAFANA_FOLDER,
      })]))),
      alerting: yaml(escapeProvisioning(yamlText([alertRules(q, {
        folder: GRAFANA_FOLDER,
        evaluateEvery: c.grafana.alerts.evaluateEvery,
        errorRatePercent: c.grafana.alerts.errorRatePercent,
        p95LatencyMs: c.grafana.alerts.p95LatencyMs,
        noTelemetryFor: c.grafana.alerts.noTelemetryFor,
      })]))),
      // JSON has no comments and dashboards are not env-expanded: as is.
      dashboards: dashboards(q, {
        serviceName: c.app.serviceName,
        slowTraceMs: c.grafana.alerts.p95LatencyMs,
      }).map((d) => ({
        name: d.fileName,
        content: `${JSON.stringify(d.dashboard, null, 2)}\n`,
      })),
    },
  };
}

/** Command-line flags of each backend container. */
export function backendArgs(config: StackConfig): BackendArgs {
  return {
    prometheus: prometheusArgs(config),
    tempo: tempoArgs(),
    loki: lokiArgs(),
    collector: [`--config=${MOUNTS.collector}/config.yaml`],
  };
}
