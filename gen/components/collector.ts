/**
 * The OpenTelemetry Collector's config (0.159): OTLP in; memory_limiter
 * first; the resource processor; optional tail sampling; batching; traces
 * to Tempo, logs to Loki's OTLP endpoint, metrics pushed to Prometheus'
 * OTLP receiver. With tail sampling on, span metrics and the service graph
 * are derived here from every span before sampling, and Tempo's generator
 * stays off. Component names are the 0.159 ones (`otlp_http`, not the
 * deprecated `otlphttp`).
 *
 * @module
 */
import { commentedYaml } from "../commented.ts";
import type { Component } from "../model.ts";
import { COLLECTOR_PODS, NAMES } from "../names.ts";
import { CONTAINER_CONFIG_DIRS, type Placement } from "../placement.ts";
import type { StackConfig } from "../types.ts";
import {
  type BuildContext,
  CHECK_TIMING,
  type ComponentModule,
  configDir,
  goMemLimit,
} from "./context.ts";

/** Exporter instance names, as pipelines and tests refer to them. */
export const COLLECTOR_EXPORTERS = {
  traces: "otlp_http/tempo",
  logs: "otlp_http/loki",
  metrics: "otlp_http/prometheus",
} as const;

/** Connectors used when tail sampling is on. */
export const COLLECTOR_CONNECTORS = {
  spanMetrics: "span_metrics",
  serviceGraph: "service_graph",
  /** Hands every span on from the unsampled pipeline to the sampled one. */
  toSampling: "forward/sampling",
} as const;

/**
 * Span metrics and service-graph series come from the collector (derived
 * before tail sampling) rather than from Tempo's metrics generator.
 */
export function spanMetricsInCollector(config: StackConfig): boolean {
  return config.components.collector.tailSampling.enabled;
}

/** Latency buckets of the derived span metrics and service graph, seconds. */
const LATENCY_BUCKETS_S = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** How often the connectors emit what they have counted. */
const CONNECTOR_FLUSH = "15s";

function tailSampling(config: StackConfig): Record<string, unknown> {
  const ts = config.components.collector.tailSampling;
  return {
    decision_wait: ts.decisionWait,
    num_traces: 50000,
    policies: [
      {
        name: "errors",
        type: "status_code",
        status_code: { status_codes: ["ERROR"] },
      },
      {
        name: "slow",
        type: "latency",
        latency: { threshold_ms: ts.latencyThresholdMs },
      },
      {
        name: "baseline",
        type: "probabilistic",
        probabilistic: { sampling_percentage: ts.keepPercent },
      },
    ],
  };
}

function connectors(): Record<string, unknown> {
  return {
    [COLLECTOR_CONNECTORS.spanMetrics]: {
      // Series traces_spanmetrics_calls_total and
      // traces_spanmetrics_duration_seconds_*, as Tempo's generator would.
      namespace: "traces.spanmetrics",
      histogram: { unit: "s", explicit: { buckets: LATENCY_BUCKETS_S } },
      exemplars: { enabled: true },
      metrics_flush_interval: CONNECTOR_FLUSH,
    },
    [COLLECTOR_CONNECTORS.serviceGraph]: {
      latency_histogram_buckets: LATENCY_BUCKETS_S,
      metrics_flush_interval: CONNECTOR_FLUSH,
    },
    [COLLECTOR_CONNECTORS.toSampling]: {},
  };
}

/** The pipelines: one per signal, the traces one split when sampling. */
function pipelines(config: StackConfig): Record<string, unknown> {
  const common = ["memory_limiter", "resource"];
  const metrics = {
    receivers: ["otlp"],
    processors: [...common, "batch"],
    exporters: [COLLECTOR_EXPORTERS.metrics],
  };
  const logs = {
    receivers: ["otlp"],
    processors: [...common, "batch"],
    exporters: [COLLECTOR_EXPORTERS.logs],
  };
  if (!spanMetricsInCollector(config)) {
    return {
      traces: {
        receivers: ["otlp"],
        processors: [...common, "batch"],
        exporters: [COLLECTOR_EXPORTERS.traces],
      },
      metrics,
      logs,
    };
  }
  const c = COLLECTOR_CONNECTORS;
  return {
    traces: {
      receivers: ["otlp"],
      processors: common,
      exporters: [c.spanMetrics, c.serviceGraph, c.toSampling],
    },
    "traces/sampled": {
      receivers: [c.toSampling],
      processors: ["tail_sampling", "batch"],
      exporters: [COLLECTOR_EXPORTERS.traces],
    },
    metrics: {
      ...metrics,
      receivers: ["otlp", c.spanMetrics, c.serviceGraph],
    },
    logs,
  };
}

/** The collector's config file as data. */
export function collectorData(
  config: StackConfig,
  placement: Placement,
): Record<string, unknown> {
  const c = config.components;
  const col = c.collector;
  const bind = placement.bind;
  const url = (name: "tempo" | "loki" | "prometheus", port: number) =>
    `http://${placement.host(name)}:${port}`;
  const processors: Record<string, unknown> = {
    memory_limiter: {
      check_interval: "1s",
      // Of the container's memory limit (the cgroup), so it follows every
      // target's limit; GOMEMLIMIT is set to the same 80%.
      limit_percentage: 80,
      spike_limit_percentage: 20,
    },
    resource: {
      attributes: [{
        key: "service.namespace",
        value: c.app.serviceNamespace,
        action: "insert",
      }],
    },
  };
  if (col.tailSampling.enabled) {
    processors.tail_sampling = tailSampling(config);
  }
  processors.batch = {
    timeout: col.batch.timeout,
    send_batch_size: col.batch.sendBatchSize,
    send_batch_max_size: col.batch.sendBatchSize * 2,
  };
  const data: Record<string, unknown> = {
    extensions: {
      health_check: { endpoint: `${bind}:${col.ports.healthCheck}` },
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `${bind}:${col.ports.otlpGrpc}` },
          http: { endpoint: `${bind}:${col.ports.otlpHttp}` },
        },
      },
    },
    processors,
  };
  if (spanMetricsInCollector(config)) data.connectors = connectors();
  data.exporters = {
    [COLLECTOR_EXPORTERS.traces]: {
      endpoint: url("tempo", c.tempo.otlpHttpPort),
    },
    [COLLECTOR_EXPORTERS.logs]: {
      endpoint: `${url("loki", c.loki.port)}/otlp`,
    },
    [COLLECTOR_EXPORTERS.metrics]: {
      endpoint: `${url("prometheus", c.prometheus.port)}/api/v1/otlp`,
    },
  };
  data.service = {
    extensions: ["health_check"],
    telemetry: {
      logs: { level: "info" },
      metrics: {
        level: "normal",
        readers: [{
          pull: {
            exporter: {
              prometheus: { host: bind, port: col.ports.selfMetrics },
            },
          },
        }],
      },
    },
    pipelines: pipelines(config),
  };
  return data;
}

/** The collector's config file as commented YAML (no generated header). */
export function collectorConfig(
  config: StackConfig,
  placement: Placement,
): string {
  const sampling = config.components.collector.tailSampling.enabled;
  return commentedYaml(collectorData(config, placement), {
    "extensions.health_check":
      "Kubernetes probes and the stack test call it; every listener defaults to localhost, so the address is explicit.",
    "processors.memory_limiter":
      "First in every pipeline: refuses data (the senders retry) before the process runs out of memory.",
    "processors.resource":
      "A sender without service.namespace still lands under the stack's job prefix.",
    ...(sampling
      ? {
        "processors.tail_sampling":
          "Keeps every trace with an error or slower than the threshold, and a share of the rest.\nNeeds all spans of a trace at this one instance: gen allows one replica only.\nExemplars and log-to-trace links can point at traces it dropped.",
        "connectors":
          "Span metrics and the service graph are counted here from every span, before sampling,\nso they describe all traffic; Tempo's own generator is off.",
      }
      : {}),
    "exporters.otlp_http/tempo": "Base URL: the exporter appends /v1/traces.",
    "exporters.otlp_http/loki":
      "Loki's OTLP endpoint (/otlp/v1/logs): trace_id and span_id become structured metadata.",
    "exporters.otlp_http/prometheus":
      "Pushed to Prometheus' OTLP receiver (/api/v1/otlp/v1/metrics), which names series as the\nPrometheus exporter would (job = service.namespace/service.name). Pushing, unlike one\nexporter per collector scraped with honor_labels, stays correct with any number of collectors.",
    "service.telemetry":
      "The collector's own metrics (otelcol_*, counters without _total), scraped per instance by Prometheus.",
  });
}

/** The collector's config file name. */
export const COLLECTOR_FILE = "config.yaml";

/**
 * otel/opentelemetry-collector-contrib: `FROM scratch`, `USER 10001`
 * (opentelemetry-collector-releases, distributions/otelcol-contrib/
 * Dockerfile). No shell, so no container health check.
 */
const USER = { uid: 10001, gid: 10001 };

/** The OpenTelemetry Collector. */
export const collector: ComponentModule = {
  name: "collector",
  build(ctx: BuildContext): Component {
    const { config, placement, prod } = ctx;
    const c = config.components;
    const col = c.collector.ports;
    const sampling = c.collector.tailSampling.enabled;
    const resources = prod?.collector.resources ?? c.collector.resources;
    const senders = [NAMES.app, NAMES.loadgen];
    return {
      name: NAMES.collector,
      description:
        "OpenTelemetry Collector: OTLP in; traces to Tempo, logs to Loki, metrics to Prometheus.",
      image: c.collector.image,
      build: false,
      args: [`--config=${placement.configDir("collector")}/${COLLECTOR_FILE}`],
      env: [goMemLimit(resources)],
      ports: [
        { name: "otlp-grpc", port: col.otlpGrpc, publish: true },
        { name: "otlp-http", port: col.otlpHttp, publish: true },
        { name: "metrics", port: col.selfMetrics, publish: false },
        { name: "health", port: col.healthCheck, publish: true },
      ],
      configDirs: [
        configDir(
          ctx,
          "otelcol-config",
          "otelcol",
          CONTAINER_CONFIG_DIRS.collector,
          [{
            name: COLLECTOR_FILE,
            content: collectorConfig(config, placement),
          }],
        ),
      ],
      health: {
        ready: { port: col.healthCheck, path: "/" },
        ...CHECK_TIMING,
        startSeconds: 30,
      },
      resources,
      user: USER,
      readOnlyRootFilesystem: true,
      replicas: prod?.collector.minReplicas ?? c.collector.replicas,
      // With tail sampling it is one instance, never autoscaled, never two.
      autoscaled: prod !== undefined && !sampling,
      recreate: sampling,
      scratchDirs: [],
      podsAlias: COLLECTOR_PODS,
      dependsOn: [NAMES.prometheus, NAMES.tempo, NAMES.loki].map((name) => ({
        component: name,
        condition: "service_healthy" as const,
      })),
      terminationGraceSeconds: 30,
      clients: [
        ...senders.flatMap((from) => [
          { from, port: col.otlpGrpc },
          { from, port: col.otlpHttp },
        ]),
        { from: NAMES.prometheus, port: col.selfMetrics },
      ],
    };
  },
};
