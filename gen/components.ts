/**
 * The typed config as the component model, for one deploy target. The
 * three targets differ only where the config says they do (environment
 * name, app image and pull policy, production resources, replicas and
 * storage); everything else is shared, which is what keeps Compose, the
 * base and the overlays in parity.
 *
 * @module
 */
import type { GrafanaCredentials, Resources, StackConfig } from "./types.ts";
import { parseBytes, parseDuration } from "./units.ts";
import type { Component, ConfigDir } from "./model.ts";
import { httpCheckCommand, IMAGE_FACTS } from "./components/images.ts";
import { COLLECTOR_PODS, NAMES } from "./names.ts";
import { CONTAINERS, IMAGE_DATA_DIRS, type Placement } from "./placement.ts";

export { NAMES };

/** Where a set of components runs. */
export type Target = "compose" | "local" | "production";

/**
 * The Kustomize base: the local cluster's settings without the local
 * overlay's image and pull policy, so the base alone is applicable.
 */
export type BuildTarget = Target | "base";

/** The config files each component mounts, already serialized. */
export interface ConfigContents {
  readonly collector: string;
  readonly prometheus: string;
  readonly tempo: string;
  readonly loki: string;
  readonly grafana: {
    readonly datasources: string;
    readonly dashboardProvider: string;
    readonly alerting: string;
    readonly dashboards: readonly { name: string; content: string }[];
  };
}

/** Command-line arguments of the backends that take flags. */
export interface BackendArgs {
  readonly prometheus: readonly string[];
  readonly tempo: readonly string[];
  readonly loki: readonly string[];
  readonly collector: readonly string[];
}

/** Mount points of the config directories inside the containers. */
export const MOUNTS = {
  collector: "/etc/otelcol",
  prometheus: "/etc/prometheus",
  tempo: "/etc/tempo",
  loki: "/etc/loki",
  grafanaDatasources: "/etc/grafana/provisioning/datasources",
  grafanaDashboardProvider: "/etc/grafana/provisioning/dashboards",
  grafanaAlerting: "/etc/grafana/provisioning/alerting",
  grafanaDashboards: "/etc/grafana/dashboards",
} as const;

/** File names inside the config directories. */
export const FILES = {
  collector: "config.yaml",
  prometheus: "prometheus.yml",
  tempo: "tempo.yaml",
  loki: "loki.yaml",
  grafanaDatasources: "datasources.yaml",
  grafanaDashboardProvider: "dashboards.yaml",
  grafanaAlerting: "alerting.yaml",
} as const;

/** The environment name of a target's telemetry. */
function environmentOf(config: StackConfig, target: BuildTarget): string {
  return config.environment[target === "base" ? "local" : target];
}

/** Credentials a target uses for Grafana. */
export function credentialsOf(
  config: StackConfig,
  target: BuildTarget,
): GrafanaCredentials {
  if (target === "compose" || target === "base") {
    return config.components.grafana.credentials;
  }
  return config.overlays[target].credentials;
}

function appImage(config: StackConfig, target: BuildTarget): string {
  if (target === "compose" || target === "base") {
    return config.components.app.image;
  }
  return config.overlays[target].appImage;
}

function dir(
  name: string,
  path: string,
  mountPath: string,
  files: readonly { name: string; content: string }[],
): ConfigDir {
  return { name, dir: path, mountPath, files };
}

/** A config directory holding one file. */
function oneFile(
  name: string,
  path: string,
  mountPath: string,
  file: string,
  content: string,
): ConfigDir {
  return dir(name, path, mountPath, [{ name: file, content }]);
}

/** How often and how patiently every health check runs. */
const CHECK_TIMING = {
  intervalSeconds: 10,
  timeoutSeconds: 3,
  failureThreshold: 3,
} as const;

/**
 * Start-up budgets, seconds: production volumes hold more to replay (the
 * Prometheus and Loki WAL, Tempo's live store) and Grafana migrates its
 * database on a first start, so they get minutes, not one.
 */
function startBudget(
  component: "prometheus" | "tempo" | "loki" | "grafana",
  target: BuildTarget,
): number {
  if (target !== "production") return 60;
  return component === "prometheus" ? 600 : 300;
}

/**
 * `GOMEMLIMIT` for a Go server: 80% of its container's memory limit, so
 * the garbage collector works harder before the kernel kills the process.
 */
export function goMemLimit(resources: Resources): {
  name: string;
  value: string;
} {
  const bytes = parseBytes(resources.limits.memory)!;
  return {
    name: "GOMEMLIMIT",
    value: `${Math.floor((bytes * 0.8) / 2 ** 20)}MiB`,
  };
}

/** Where a backend keeps its data, sized for the target. */
function dataVolume(
  name: string,
  mountPath: string,
  size: string,
): { name: string; mountPath: string; size: string } {
  return { name, mountPath, size };
}

/** The stack's components for a target, in start order. */
export function buildComponents(
  config: StackConfig,
  target: BuildTarget,
  contents: ConfigContents,
  args: BackendArgs,
  placement: Placement = CONTAINERS,
): Component[] {
  const c = config.components;
  const prod = target === "production" ? config.overlays.production : undefined;
  const sampling = c.collector.tailSampling.enabled;
  const environment = environmentOf(config, target);
  const otlpEndpoint = `http://${
    placement.host("collector")
  }:${c.collector.ports.otlpHttp}`;
  const metricIntervalMs = parseDuration(c.prometheus.scrapeInterval)!;
  const pullPolicy = target === "local"
    ? config.overlays.local.imagePullPolicy
    : undefined;
  const image = appImage(config, target);
  const facts = IMAGE_FACTS;
  const standardGrace = 30;

  const telemetryEnv = (serviceName: string) => [
    { name: "OTEL_SERVICE_NAME", value: serviceName },
    {
      name: "OTEL_RESOURCE_ATTRIBUTES",
      value:
        `service.namespace=${c.app.serviceNamespace},deployment.environment.name=${environment}`,
    },
    { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: otlpEndpoint },
    { name: "OTEL_METRIC_EXPORT_INTERVAL", value: String(metricIntervalMs) },
  ];

  const app: Component = {
    name: NAMES.app,
    description: "The instrumented Hono service (compiled Deno binary).",
    image,
    imagePullPolicy: pullPolicy,
    build: target === "compose",
    args: ["serve"],
    env: [
      { name: "PORT", value: String(c.app.port) },
      { name: "MAX_WORK_MS", value: String(c.app.maxWorkMs) },
      { name: "SHUTDOWN_TIMEOUT_MS", value: String(c.app.shutdownTimeoutMs) },
      { name: "SHUTDOWN_DRAIN_MS", value: String(c.app.shutdownDrainMs) },
      ...telemetryEnv(c.app.serviceName),
    ],
    ports: [{ name: "http", port: c.app.port, publish: true }],
    configDirs: [],
    health: {
      ready: { port: c.app.port, path: "/readyz" },
      alive: { port: c.app.port, path: "/healthz" },
      // The binary checks its own /healthz (the image has no shell).
      command: ["/app/space-app", "healthcheck"],
      ...CHECK_TIMING,
      startSeconds: 10,
    },
    resources: prod?.app.resources ?? c.app.resources,
    user: facts.app.user,
    readOnlyRootFilesystem: true,
    replicas: prod?.app.minReplicas ?? c.app.replicas,
    autoscaled: prod !== undefined,
    recreate: false,
    scratchDirs: [],
    dependsOn: [{ component: NAMES.collector, condition: "service_started" }],
    terminationGraceSeconds: Math.ceil(c.app.shutdownTimeoutMs / 1000) + 5,
    clients: [
      { from: "outside", port: c.app.port },
      { from: NAMES.loadgen, port: c.app.port },
    ],
  };

  const loadgen: Component = {
    name: NAMES.loadgen,
    description:
      "Synthetic traffic for space-app from the same image (loadgen command).",
    image,
    imagePullPolicy: pullPolicy,
    build: false,
    args: [
      "loadgen",
      "--target",
      `http://${placement.host("app")}:${c.app.port}`,
      "--rate",
      String(c.loadgen.rate),
      "--concurrency",
      String(c.loadgen.concurrency),
      "--mix",
      c.loadgen.mix,
      "--work-ms",
      c.loadgen.workMs,
    ],
    env: telemetryEnv(c.loadgen.serviceName),
    ports: [],
    configDirs: [],
    resources: c.loadgen.resources,
    user: facts.app.user,
    readOnlyRootFilesystem: true,
    replicas: 1,
    autoscaled: false,
    recreate: false,
    scratchDirs: [],
    dependsOn: [{ component: NAMES.app, condition: "service_healthy" }],
    terminationGraceSeconds: standardGrace,
    clients: [],
  };

  const col = c.collector.ports;
  const collector: Component = {
    name: NAMES.collector,
    description:
      "OpenTelemetry Collector: OTLP in; traces to Tempo, logs to Loki, metrics to Prometheus.",
    image: c.collector.image,
    build: false,
    args: [...args.collector],
    env: [goMemLimit(prod?.collector.resources ?? c.collector.resources)],
    ports: [
      { name: "otlp-grpc", port: col.otlpGrpc, publish: true },
      { name: "otlp-http", port: col.otlpHttp, publish: true },
      { name: "metrics", port: col.selfMetrics, publish: false },
      { name: "health", port: col.healthCheck, publish: true },
    ],
    configDirs: [
      oneFile(
        "otelcol-config",
        "otelcol",
        MOUNTS.collector,
        FILES.collector,
        contents.collector,
      ),
    ],
    health: {
      ready: { port: col.healthCheck, path: "/" },
      ...CHECK_TIMING,
      startSeconds: 30,
    },
    resources: prod?.collector.resources ?? c.collector.resources,
    user: facts.collector.user,
    readOnlyRootFilesystem: true,
    replicas: prod?.collector.minReplicas ?? c.collector.replicas,
    // With tail sampling it is one instance, never autoscaled, never two.
    autoscaled: prod !== undefined && !sampling,
    recreate: sampling,
    scratchDirs: [],
    podsAlias: COLLECTOR_PODS,
    dependsOn: [
      { component: NAMES.prometheus, condition: "service_healthy" },
      { component: NAMES.tempo, condition: "service_healthy" },
      { component: NAMES.loki, condition: "service_healthy" },
    ],
    terminationGraceSeconds: standardGrace,
    clients: [
      { from: NAMES.app, port: col.otlpGrpc },
      { from: NAMES.app, port: col.otlpHttp },
      { from: NAMES.loadgen, port: col.otlpGrpc },
      { from: NAMES.loadgen, port: col.otlpHttp },
      { from: NAMES.prometheus, port: col.selfMetrics },
    ],
  };

  const prometheus: Component = {
    name: NAMES.prometheus,
    description:
      "Prometheus: the services' metrics pushed by the collector (OTLP), Tempo's by remote write.",
    image: c.prometheus.image,
    build: false,
    args: [...args.prometheus],
    env: [],
    ports: [{ name: "http", port: c.prometheus.port, publish: true }],
    configDirs: [
      oneFile(
        "prometheus-config",
        "prometheus",
        MOUNTS.prometheus,
        FILES.prometheus,
        contents.prometheus,
      ),
    ],
    volume: dataVolume(
      "prometheus-data",
      IMAGE_DATA_DIRS.prometheus,
      prod?.storage.prometheus ?? c.prometheus.storage,
    ),
    health: {
      ready: { port: c.prometheus.port, path: "/-/ready" },
      alive: { port: c.prometheus.port, path: "/-/healthy" },
      command: httpCheckCommand(
        facts.prometheus,
        `http://127.0.0.1:${c.prometheus.port}/-/ready`,
      ),
      ...CHECK_TIMING,
      startSeconds: startBudget("prometheus", target),
    },
    resources: c.prometheus.resources,
    user: facts.prometheus.user,
    readOnlyRootFilesystem: true,
    replicas: 1,
    autoscaled: false,
    recreate: true,
    scratchDirs: [],
    dependsOn: [],
    terminationGraceSeconds: 60,
    clients: [
      { from: NAMES.collector, port: c.prometheus.port },
      { from: NAMES.grafana, port: c.prometheus.port },
      { from: NAMES.tempo, port: c.prometheus.port },
    ],
  };

  const tempo: Component = {
    name: NAMES.tempo,
    description:
      "Tempo: traces over OTLP, local storage, service-graph and span metrics generator.",
    image: c.tempo.image,
    build: false,
    args: [...args.tempo],
    env: [goMemLimit(c.tempo.resources)],
    ports: [
      { name: "http", port: c.tempo.port, publish: true },
      { name: "grpc", port: c.tempo.grpcPort, publish: false },
      { name: "otlp-grpc", port: c.tempo.otlpGrpcPort, publish: false },
      { name: "otlp-http", port: c.tempo.otlpHttpPort, publish: false },
    ],
    configDirs: [
      oneFile(
        "tempo-config",
        "tempo",
        MOUNTS.tempo,
        FILES.tempo,
        contents.tempo,
      ),
    ],
    volume: dataVolume(
      "tempo-data",
      IMAGE_DATA_DIRS.tempo,
      prod?.storage.tempo ?? c.tempo.storage,
    ),
    health: {
      ready: { port: c.tempo.port, path: "/ready" },
      // /ready also fails while a module restarts: that is no reason to kill it.
      alive: { tcpPort: c.tempo.port },
      // The binary checks its own /ready on localhost:3200 (no shell).
      command: c.tempo.port === 3200 ? ["/tempo", "-health"] : undefined,
      ...CHECK_TIMING,
      startSeconds: startBudget("tempo", target),
    },
    resources: c.tempo.resources,
    user: facts.tempo.user,
    readOnlyRootFilesystem: true,
    replicas: 1,
    autoscaled: false,
    recreate: true,
    scratchDirs: [],
    dependsOn: [{ component: NAMES.prometheus, condition: "service_healthy" }],
    terminationGraceSeconds: standardGrace,
    clients: [
      { from: NAMES.collector, port: c.tempo.otlpGrpcPort },
      { from: NAMES.collector, port: c.tempo.otlpHttpPort },
      { from: NAMES.grafana, port: c.tempo.port },
    ],
  };

  const loki: Component = {
    name: NAMES.loki,
    description:
      "Loki: logs over OTLP with structured metadata (trace ids), filesystem storage.",
    image: c.loki.image,
    build: false,
    args: [...args.loki],
    env: [goMemLimit(c.loki.resources)],
    ports: [
      { name: "http", port: c.loki.port, publish: true },
      { name: "grpc", port: c.loki.grpcPort, publish: false },
    ],
    configDirs: [
      oneFile("loki-config", "loki", MOUNTS.loki, FILES.loki, contents.loki),
    ],
    volume: dataVolume(
      "loki-data",
      IMAGE_DATA_DIRS.loki,
      prod?.storage.loki ?? c.loki.storage,
    ),
    health: {
      ready: { port: c.loki.port, path: "/ready" },
      alive: { tcpPort: c.loki.port },
      command: [
        "/usr/bin/loki",
        "-health",
        `-health.url=http://127.0.0.1:${c.loki.port}/ready`,
      ],
      ...CHECK_TIMING,
      startSeconds: startBudget("loki", target),
    },
    resources: c.loki.resources,
    user: facts.loki.user,
    readOnlyRootFilesystem: true,
    replicas: 1,
    autoscaled: false,
    recreate: true,
    scratchDirs: [],
    dependsOn: [],
    terminationGraceSeconds: standardGrace,
    clients: [
      { from: NAMES.collector, port: c.loki.port },
      { from: NAMES.grafana, port: c.loki.port },
    ],
  };

  const g = contents.grafana;
  const grafana: Component = {
    name: NAMES.grafana,
    description:
      "Grafana: datasources with correlations, dashboards and alert rules provisioned as code.",
    image: c.grafana.image,
    build: false,
    args: [],
    env: [
      { name: "GF_SECURITY_ADMIN_USER", secretKey: "admin-user" },
      { name: "GF_SECURITY_ADMIN_PASSWORD", secretKey: "admin-password" },
      // Never anonymous behind the production Ingress: a Viewer can query
      // every datasource.
      {
        name: "GF_AUTH_ANONYMOUS_ENABLED",
        value: String(prod ? false : c.grafana.anonymousViewer),
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
      { name: "GF_SERVER_HTTP_PORT", value: String(c.grafana.port) },
      ...(prod
        ? [
          {
            name: "GF_SERVER_ROOT_URL",
            value: `https://${prod.ingress.grafana.host}/`,
          },
          { name: "GF_SECURITY_COOKIE_SECURE", value: "true" },
        ]
        : []),
      goMemLimit(c.grafana.resources),
    ],
    ports: [{ name: "http", port: c.grafana.port, publish: true }],
    configDirs: [
      dir(
        "grafana-datasources",
        "grafana/datasources",
        MOUNTS.grafanaDatasources,
        [
          { name: FILES.grafanaDatasources, content: g.datasources },
        ],
      ),
      dir(
        "grafana-dashboard-provider",
        "grafana/dashboard-provider",
        MOUNTS.grafanaDashboardProvider,
        [{
          name: FILES.grafanaDashboardProvider,
          content: g.dashboardProvider,
        }],
      ),
      dir("grafana-alerting", "grafana/alerting", MOUNTS.grafanaAlerting, [
        { name: FILES.grafanaAlerting, content: g.alerting },
      ]),
      dir(
        "grafana-dashboards",
        "grafana/dashboards",
        MOUNTS.grafanaDashboards,
        g.dashboards,
      ),
    ],
    volume: dataVolume(
      "grafana-data",
      IMAGE_DATA_DIRS.grafana,
      prod?.storage.grafana ?? c.grafana.storage,
    ),
    health: {
      ready: { port: c.grafana.port, path: "/api/health" },
      command: httpCheckCommand(
        facts.grafana,
        `http://127.0.0.1:${c.grafana.port}/api/health`,
      ),
      ...CHECK_TIMING,
      startSeconds: startBudget("grafana", target),
    },
    resources: c.grafana.resources,
    user: facts.grafana.user,
    // Data, plugins and sessions live on its volume, logs go to the console;
    // with plugin auto-update off nothing else is written.
    readOnlyRootFilesystem: true,
    replicas: 1,
    autoscaled: false,
    recreate: true,
    scratchDirs: [],
    dependsOn: [
      { component: NAMES.prometheus, condition: "service_healthy" },
      { component: NAMES.tempo, condition: "service_healthy" },
      { component: NAMES.loki, condition: "service_healthy" },
    ],
    terminationGraceSeconds: standardGrace,
    clients: [{ from: "outside", port: c.grafana.port }],
  };

  const all = [
    prometheus,
    tempo,
    loki,
    collector,
    app,
    grafana,
  ];
  if (c.loadgen.enabled) all.splice(5, 0, loadgen);
  return all;
}
