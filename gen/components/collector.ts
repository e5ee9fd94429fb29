/**
 * The OpenTelemetry Collector (0.159 component names): OTLP in; traces to
 * Tempo, logs to Loki, metrics pushed to Prometheus. With tail sampling on,
 * span metrics and the service graph are derived here before sampling.
 * @module
 */
import { commentedYaml } from "../serialize.ts";
import { COLLECTOR_PODS, NAMES } from "../names.ts";
import type { ComponentName, Placement } from "../placement.ts";
import type { StackConfig } from "../types.ts";
import * as kit from "./context.ts";

/** Span metrics and the service graph come from the collector, not Tempo. */
export function spanMetricsInCollector(config: StackConfig): boolean {
  return config.components.collector.tailSampling.enabled;
}

/** Latency buckets of the derived span metrics and service graph, seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Hands every span from the unsampled traces pipeline to the sampled one. */
const TO_SAMPLING = "forward/sampling";

/** One pipeline per signal; the traces one split when sampling. */
function pipelines(sampling: boolean): Record<string, unknown> {
  const pipe = (
    receivers: string[],
    processors: string[],
    exporters: string[],
  ) => ({ receivers, processors, exporters });
  const common = ["memory_limiter", "resource"];
  const batched = [...common, "batch"];
  const derived = sampling ? ["span_metrics", "service_graph"] : [];
  const tempo = ["otlp_http/tempo"];
  const traces = sampling
    ? {
      traces: pipe(["otlp"], common, [...derived, TO_SAMPLING]),
      "traces/sampled": pipe([TO_SAMPLING], ["tail_sampling", "batch"], tempo),
    }
    : { traces: pipe(["otlp"], batched, tempo) };
  return {
    ...traces,
    metrics: pipe(["otlp", ...derived], batched, ["otlp_http/prometheus"]),
    logs: pipe(["otlp"], batched, ["otlp_http/loki"]),
  };
}

export function collectorData(
  config: StackConfig,
  placement: Placement,
): Record<string, unknown> {
  const c = config.components;
  const col = c.collector;
  const { ports } = col;
  const ts = col.tailSampling;
  const sampling = spanMetricsInCollector(config);
  const bind = placement.bind;
  const exporter = (name: ComponentName, port: number, path = "") => ({
    endpoint: `http://${placement.host(name)}:${port}${path}`,
  });
  const self = { prometheus: { host: bind, port: ports.selfMetrics } };
  const endpoint = (port: number) => ({ endpoint: `${bind}:${port}` });
  const policy = (name: string, type: string, settings: unknown) => ({
    name,
    type,
    [type]: settings,
  });
  return {
    extensions: { health_check: endpoint(ports.healthCheck) },
    receivers: kit.otlpReceivers(placement, ports.otlpGrpc, ports.otlpHttp),
    processors: {
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
      ...(ts.enabled && {
        tail_sampling: {
          decision_wait: ts.decisionWait,
          num_traces: 50000,
          policies: [
            policy("errors", "status_code", { status_codes: ["ERROR"] }),
            policy("slow", "latency", { threshold_ms: ts.latencyThresholdMs }),
            policy("baseline", "probabilistic", {
              sampling_percentage: ts.keepPercent,
            }),
          ],
        },
      }),
      batch: {
        timeout: col.batch.timeout,
        send_batch_size: col.batch.sendBatchSize,
        send_batch_max_size: col.batch.sendBatchSize * 2,
      },
    },
    ...(sampling && {
      connectors: {
        span_metrics: {
          // Series traces_spanmetrics_calls_total and
          // traces_spanmetrics_duration_seconds_*, as Tempo's generator would.
          namespace: "traces.spanmetrics",
          histogram: { unit: "s", explicit: { buckets: BUCKETS } },
          exemplars: { enabled: true },
          metrics_flush_interval: "15s",
        },
        service_graph: {
          latency_histogram_buckets: BUCKETS,
          metrics_flush_interval: "15s",
        },
        [TO_SAMPLING]: {},
      },
    }),
    exporters: {
      "otlp_http/tempo": exporter("tempo", c.tempo.otlpHttpPort),
      "otlp_http/loki": exporter("loki", c.loki.port, "/otlp"),
      "otlp_http/prometheus": exporter(
        "prometheus",
        c.prometheus.port,
        "/api/v1/otlp",
      ),
    },
    service: {
      extensions: ["health_check"],
      telemetry: {
        logs: { level: "info" },
        metrics: { level: "normal", readers: [{ pull: { exporter: self } }] },
      },
      pipelines: pipelines(sampling),
    },
  };
}

/** The config file's text (no generated header). */
export function collectorConfig(
  config: StackConfig,
  placement: Placement,
): string {
  return commentedYaml(collectorData(config, placement), {
    "extensions.health_check":
      "Kubernetes probes and the stack test call it; every listener defaults to localhost, so the address is explicit.",
    "processors.memory_limiter":
      "First in every pipeline: refuses data (the senders retry) before the process runs out of memory.",
    "processors.resource":
      "A sender without service.namespace still lands under the stack's job prefix.",
    ...(spanMetricsInCollector(config) && {
      "processors.tail_sampling":
        "Keeps every trace with an error or slower than the threshold, and a share of the rest.\nNeeds all spans of a trace at this one instance: gen allows one replica only.\nExemplars and log-to-trace links can point at traces it dropped.",
      "connectors":
        "Span metrics and the service graph are counted here from every span, before sampling,\nso they describe all traffic; Tempo's own generator is off.",
    }),
    "exporters.otlp_http/tempo": "Base URL: the exporter appends /v1/traces.",
    "exporters.otlp_http/loki":
      "Loki's OTLP endpoint (/otlp/v1/logs): trace_id and span_id become structured metadata.",
    "exporters.otlp_http/prometheus":
      "Pushed to Prometheus' OTLP receiver (/api/v1/otlp/v1/metrics), which names series as the\nPrometheus exporter would (job = service.namespace/service.name). Pushing, unlike one\nexporter per collector scraped with honor_labels, stays correct with any number of collectors.",
    "service.telemetry":
      "The collector's own metrics (otelcol_*, counters without _total), scraped per instance by Prometheus.",
  });
}

const FILE = { name: "config.yaml", flag: "--config", render: collectorConfig };

/** otel/opentelemetry-collector-contrib: `FROM scratch` (no shell), `USER 10001`. */
const USER = { uid: 10001, gid: 10001 };

export const collector: kit.ComponentModule = (ctx) => {
  const { config, prod } = ctx;
  const c = config.components;
  const col = c.collector.ports;
  const sampling = c.collector.tailSampling.enabled;
  const resources = prod?.collector.resources ?? c.collector.resources;
  const file = kit.configFile(ctx, "collector", FILE);
  return kit.component({
    name: NAMES.collector,
    description:
      "OpenTelemetry Collector: OTLP in; traces to Tempo, logs to Loki, metrics to Prometheus.",
    image: c.collector.image,
    args: [file.arg],
    env: [kit.goMemLimit(resources)],
    ports: [
      kit.port("otlp-grpc", col.otlpGrpc, true),
      kit.port("otlp-http", col.otlpHttp, true),
      kit.port("metrics", col.selfMetrics),
      kit.port("health", col.healthCheck, true),
    ],
    configDirs: [file.dir],
    health: { ready: { port: col.healthCheck, path: "/" }, startSeconds: 30 },
    resources,
    user: USER,
    replicas: prod?.collector.minReplicas ?? c.collector.replicas,
    // With tail sampling it is one instance, never autoscaled, never two.
    autoscaled: prod !== undefined && !sampling,
    recreate: sampling,
    podsAlias: COLLECTOR_PODS,
    dependsOn: kit.afterHealthy("prometheus", "tempo", "loki"),
    clients: [
      ...kit.allow([NAMES.app, NAMES.loadgen], [col.otlpGrpc, col.otlpHttp]),
      ...kit.allow([NAMES.prometheus], [col.selfMetrics]),
    ],
  });
};
