/**
 * Grafana with its provisioning as code: datasources with correlations,
 * the dashboards, and the alert rules (with a notifier when configured).
 * The documents themselves are built in `gen/grafana/`.
 *
 * @module
 */
import { alertRules } from "../grafana/alerts.ts";
import { dashboards } from "../grafana/dashboards.ts";
import { dashboardProvider, datasources } from "../grafana/datasources.ts";
import { queries } from "../grafana/queries.ts";
import { escapeProvisioning } from "../grafana/uids.ts";
import type { Component } from "../model.ts";
import { NAMES } from "../names.ts";
import {
  type ComponentName,
  CONTAINERS,
  IMAGE_DATA_DIRS,
  type Placement,
} from "../placement.ts";
import { yamlText } from "../serialize.ts";
import type { GrafanaCredentials, StackConfig } from "../types.ts";
import { spanMetricsInCollector } from "./collector.ts";
import {
  type BuildContext,
  type BuildTarget,
  CHECK_TIMING,
  type ComponentModule,
  configDir,
  goMemLimit,
  startBudget,
  wgetCheck,
} from "./context.ts";
import { SCRAPE_JOBS } from "./prometheus.ts";

/** The Grafana folder holding the stack's dashboards. */
export const GRAFANA_FOLDER = "space-app";

/**
 * The folder holding the alert rules: its own, since the dashboard and
 * alerting provisioners may create a folder of the same title at once.
 */
export const ALERTS_FOLDER = "space-app alerts";

/** Where Grafana reads its provisioning and dashboards. */
const PROVISIONING = "/etc/grafana/provisioning";
const DASHBOARDS = "/etc/grafana/dashboards";

/**
 * grafana/grafana: Alpine (busybox wget), `GF_UID` 472; run with group 472
 * rather than root's, so user 472 owns every path Grafana writes and
 * fsGroup 472 makes the volume writable (grafana/grafana Dockerfile).
 */
const USER = { uid: 472, gid: 472 };

/** Every query of the config's dashboards and alerts, named once. */
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
      path: DASHBOARDS,
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

/** Credentials a target uses for Grafana. */
export function credentialsOf(
  config: StackConfig,
  target: BuildTarget,
): GrafanaCredentials {
  return target === "compose" || target === "base"
    ? config.components.grafana.credentials
    : config.overlays[target].credentials;
}

/** Grafana. */
export const grafana: ComponentModule = {
  name: "grafana",
  build(ctx: BuildContext): Component {
    const { config, placement, prod } = ctx;
    const g = config.components.grafana;
    const p = grafanaProvisioning(config, placement);
    // Grafana expands $VAR in provisioning files; alert models it reads raw
    // (a $$ would reach Prometheus as is), so that file stays unescaped and
    // a test keeps $ out of it.
    const yaml = (doc: unknown, escape = true) =>
      escape ? escapeProvisioning(yamlText([doc])) : yamlText([doc]);
    const provisioned = (dir: string, file: string, content: string) =>
      configDir(
        ctx,
        `grafana-${dir}`,
        `grafana/${dir}`,
        `${PROVISIONING}/${dir === "dashboard-provider" ? "dashboards" : dir}`,
        [
          { name: file, content },
        ],
      );
    return {
      name: NAMES.grafana,
      description:
        "Grafana: datasources with correlations, dashboards and alert rules provisioned as code.",
      image: g.image,
      build: false,
      args: [],
      env: [
        { name: "GF_SECURITY_ADMIN_USER", secretKey: "admin-user" },
        { name: "GF_SECURITY_ADMIN_PASSWORD", secretKey: "admin-password" },
        // Never anonymous behind the production Ingress: a Viewer can query
        // every datasource.
        {
          name: "GF_AUTH_ANONYMOUS_ENABLED",
          value: String(prod ? false : g.anonymousViewer),
        },
        { name: "GF_AUTH_ANONYMOUS_ORG_ROLE", value: "Viewer" },
        { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
        { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
        { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
        { name: "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES", value: "false" },
        // Grafana 13 unloads its bundled Prometheus, Loki and Tempo plugins
        // before updating them at start; a failed update (offline, read-only
        // path) leaves them unregistered. The image's versions stay.
        { name: "GF_PLUGINS_PREINSTALL_AUTO_UPDATE", value: "false" },
        { name: "GF_SERVER_HTTP_PORT", value: String(g.port) },
        ...(prod
          ? [
            {
              name: "GF_SERVER_ROOT_URL",
              value: `https://${prod.ingress.grafana.host}/`,
            },
            { name: "GF_SECURITY_COOKIE_SECURE", value: "true" },
          ]
          : []),
        goMemLimit(g.resources),
      ],
      ports: [{ name: "http", port: g.port, publish: true }],
      configDirs: [
        provisioned("datasources", "datasources.yaml", yaml(p.datasources)),
        provisioned(
          "dashboard-provider",
          "dashboards.yaml",
          yaml(p.dashboardProvider),
        ),
        provisioned("alerting", "alerting.yaml", yaml(p.alerting, false)),
        configDir(
          ctx,
          "grafana-dashboards",
          "grafana/dashboards",
          DASHBOARDS,
          p.dashboards.map((d) => ({
            name: d.fileName,
            content: `${JSON.stringify(d.dashboard, null, 2)}\n`,
          })),
        ),
      ],
      volume: {
        name: "grafana-data",
        mountPath: IMAGE_DATA_DIRS.grafana,
        size: prod?.storage.grafana ?? g.storage,
      },
      health: {
        ready: { port: g.port, path: "/api/health" },
        command: wgetCheck(`http://127.0.0.1:${g.port}/api/health`),
        ...CHECK_TIMING,
        startSeconds: startBudget(ctx, 300),
      },
      resources: g.resources,
      user: USER,
      // Data, plugins and sessions live on its volume, logs go to the
      // console; with plugin auto-update off nothing else is written.
      readOnlyRootFilesystem: true,
      replicas: 1,
      autoscaled: false,
      recreate: true,
      scratchDirs: [],
      dependsOn: [NAMES.prometheus, NAMES.tempo, NAMES.loki].map((name) => ({
        component: name,
        condition: "service_healthy" as const,
      })),
      terminationGraceSeconds: 30,
      clients: [{ from: "outside", port: g.port }],
    };
  },
};
