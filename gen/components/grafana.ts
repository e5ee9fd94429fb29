/**
 * Grafana with its provisioning as code: datasources with correlations,
 * dashboards and alert rules, built in `gen/grafana/`.
 * @module
 */
import { alertRules } from "../grafana/alerts.ts";
import { dashboards } from "../grafana/dashboards.ts";
import { dashboardProvider, datasources } from "../grafana/datasources.ts";
import { queries } from "../grafana/queries.ts";
import { escapeProvisioning } from "../grafana/uids.ts";
import type { ConfigDir } from "../model.ts";
import { NAMES } from "../names.ts";
import { CONTAINERS, type Placement } from "../placement.ts";
import { yamlText } from "../serialize.ts";
import type { GrafanaCredentials, StackConfig } from "../types.ts";
import { spanMetricsInCollector } from "./collector.ts";
import * as kit from "./context.ts";
import { SCRAPE_JOBS } from "./prometheus.ts";

const PROVISIONING = "/etc/grafana/provisioning";
const DASHBOARDS = "/etc/grafana/dashboards";

/** grafana/grafana: busybox wget, `GF_UID` 472; group 472 makes the volume writable. */
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

/** Grafana's provisioning documents as data. */
export function grafanaProvisioning(
  config: StackConfig,
  placement: Placement = CONTAINERS,
) {
  const c = config.components;
  const q = queryScope(config);
  const [prometheus, tempo, loki] = (["prometheus", "tempo", "loki"] as const)
    .map((name) => `http://${placement.host(name)}:${c[name].port}`);
  return {
    datasources: datasources({ prometheus, tempo, loki }, q.spanMetrics),
    dashboardProvider: dashboardProvider({
      path: DASHBOARDS,
      folder: "space-app",
    }),
    // Their own folder: the dashboard and alerting provisioners may create a
    // folder of the same title at once.
    alerting: alertRules(q, {
      folder: "space-app alerts",
      ...c.grafana.alerts,
      notify: c.grafana.notify,
    }),
    dashboards: dashboards(q, c.grafana.alerts.p95LatencyMs),
  };
}

export function credentialsOf(
  config: StackConfig,
  target: kit.BuildTarget,
): GrafanaCredentials {
  return target === "compose" || target === "base"
    ? config.components.grafana.credentials
    : config.overlays[target].credentials;
}

export const grafana: kit.ComponentModule = (ctx) => {
  const { config, placement, prod } = ctx;
  const g = config.components.grafana;
  const p = grafanaProvisioning(config, placement);
  const ready = { port: g.port, path: "/api/health" };
  const dir = (name: string, mount: string, files: ConfigDir["files"]) =>
    kit.configDir(ctx, `grafana-${name}`, `grafana/${name}`, mount, files);
  // Grafana expands $VAR in provisioning files; alert models it reads raw
  // (a $$ would reach Prometheus as is), so that file stays unescaped and
  // a test keeps $ out of it.
  const escaped = (doc: unknown) => escapeProvisioning(yamlText([doc]));
  const provisioned = (name: string, mount: string, content: string) =>
    dir(name, `${PROVISIONING}/${mount}`, [{ name: `${mount}.yaml`, content }]);
  return kit.component({
    name: NAMES.grafana,
    description:
      "Grafana: datasources with correlations, dashboards and alert rules provisioned as code.",
    image: g.image,
    env: [
      { name: "GF_SECURITY_ADMIN_USER", secretKey: "admin-user" },
      { name: "GF_SECURITY_ADMIN_PASSWORD", secretKey: "admin-password" },
      ...kit.env({
        // Never anonymous behind the production Ingress: a Viewer can query
        // every datasource.
        GF_AUTH_ANONYMOUS_ENABLED: String(prod ? false : g.anonymousViewer),
        GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
        GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
        GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
        // Grafana 13 unloads its bundled Prometheus, Loki and Tempo plugins
        // before updating them at start; a failed update (offline, read-only
        // path) leaves them unregistered. The image's versions stay.
        GF_PLUGINS_PREINSTALL_AUTO_UPDATE: "false",
        GF_SERVER_HTTP_PORT: String(g.port),
        ...(prod && {
          GF_SERVER_ROOT_URL: `https://${prod.ingress.grafana.host}/`,
          GF_SECURITY_COOKIE_SECURE: "true",
        }),
      }),
      kit.goMemLimit(g.resources),
    ],
    ports: [kit.port("http", g.port, true)],
    configDirs: [
      provisioned("datasources", "datasources", escaped(p.datasources)),
      provisioned(
        "dashboard-provider",
        "dashboards",
        escaped(p.dashboardProvider),
      ),
      provisioned("alerting", "alerting", yamlText([p.alerting])),
      dir(
        "dashboards",
        DASHBOARDS,
        p.dashboards.map((d) => ({
          name: d.fileName,
          content: `${JSON.stringify(d.dashboard, null, 2)}\n`,
        })),
      ),
    ],
    volume: kit.dataVolume(ctx, "grafana"),
    health: {
      ready,
      startSeconds: kit.startBudget(ctx, 300),
      command: kit.wgetCheck(ready),
    },
    resources: g.resources,
    user: USER,
    // Data, plugins and sessions live on its volume, logs go to the
    // console; with plugin auto-update off nothing else is written.
    dependsOn: kit.afterHealthy("prometheus", "tempo", "loki"),
    clients: kit.allow(["outside"], [g.port]),
  });
};
