/**
 * The OpenTelemetry Collector's config (contrib 0.159.0): OTLP in;
 * memory_limiter first; the resource processor; optional tail sampling;
 * batching; traces to Tempo, logs to Loki's OTLP endpoint, metrics to a
 * Prometheus exporter that exposes exemplars; health_check and its own
 * metrics. Component names are the current ones (shared/reference/collector.md).
 *
 * @module
 */
import type { StackConfig } from "../config/types.ts";
import { NAMES, TEMPO_OTLP } from "../names.ts";
import { commentedYaml } from "./commented.ts";

/** Exporter instance names, as pipelines and tests refer to them. */
export const COLLECTOR_EXPORTERS = {
  traces: "otlp_http/tempo",
  logs: "otlp_http/loki",
  metrics: "prometheus",
} as const;

/** The collector's config file as data. */
export function collectorData(config: StackConfig): Record<string, unknown> {
  const col = config.components.collector;
  const ts = col.tailSampling;
  const processors: Record<string, unknown> = {
    memory_limiter: {
      check_interval: "1s",
      limit_mib: col.memoryLimitMiB,
      spike_limit_mib: Math.floor(col.memoryLimitMiB / 4),
    },
    resource: {
      attributes: [{
        key: "service.namespace",
        value: config.components.app.serviceNamespace,
        action: "insert",
      }],
    },
  };
  if (ts.enabled) {
    processors.tail_sampling = {
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
  processors.batch = {
    timeout: col.batch.timeout,
    send_batch_size: col.batch.sendBatchSize,
    send_batch_max_size: col.batch.sendBatchSize * 2,
  };
  const common = ["memory_limiter", "resource"];
  const tracesProcessors = ts.enabled
    ? [...common, "tail_sampling", "batch"]
    : [...common, "batch"];
  return {
    extensions: {
      health_check: { endpoint: `0.0.0.0:${col.ports.healthCheck}` },
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${col.ports.otlpGrpc}` },
          http: { endpoint: `0.0.0.0:${col.ports.otlpHttp}` },
        },
      },
    },
    processors,
    exporters: {
      [COLLECTOR_EXPORTERS.traces]: {
        endpoint: `http://${NAMES.tempo}:${TEMPO_OTLP.http}`,
      },
      [COLLECTOR_EXPORTERS.logs]: {
        endpoint: `http://${NAMES.loki}:${config.components.loki.port}/otlp`,
      },
      [COLLECTOR_EXPORTERS.metrics]: {
        endpoint: `0.0.0.0:${col.ports.prometheusExporter}`,
        enable_open_metrics: true,
        metric_expiration: "5m",
      },
    },
    service: {
      extensions: ["health_check"],
      telemetry: {
        logs: { level: "info" },
        metrics: {
          level: "normal",
          readers: [{
            pull: {
              exporter: {
                prometheus: { host: "0.0.0.0", port: col.ports.selfMetrics },
              },
            },
          }],
        },
      },
      pipelines: {
        traces: {
          receivers: ["otlp"],
          processors: tracesProcessors,
          exporters: [COLLECTOR_EXPORTERS.traces],
        },
        metrics: {
          receivers: ["otlp"],
          processors: [...common, "batch"],
          exporters: [COLLECTOR_EXPORTERS.metrics],
        },
        logs: {
          receivers: ["otlp"],
          processors: [...common, "batch"],
          exporters: [COLLECTOR_EXPORTERS.logs],
        },
      },
    },
  };
}

/** The collector's config file as commented YAML (no generated header). */
export function collectorConfig(config: StackConfig): string {
  const ts = config.components.collector.tailSampling;
  return commentedYaml(collectorData(config), {
    "extensions.health_check":
      "Kubernetes probes and the stack test call it; every listener defaults to localhost, so bind 0.0.0.0.",
    "processors.memory_limiter":
      "First in every pipeline: refuses data before the process runs out of memory\n(keep limit_mib below the container's memory limit; gen checks it).",
    "processors.resource":
      "A sender without service.namespace still lands under the stack's job prefix.",
    ...(ts.enabled
      ? {
        "processors.tail_sampling":
          "Keeps every trace with an error or slower than the threshold, and a share of the rest.\nNeeds all spans of a trace on this one instance (gen refuses more than one replica).\nRED metrics come from the SDK's own metrics, so they still count every request.",
      }
      : {}),
    "exporters.otlp_http/tempo": "Base URL: the exporter appends /v1/traces.",
    "exporters.otlp_http/loki":
      "Loki's OTLP endpoint (/otlp/v1/logs): trace_id and span_id become structured metadata.",
    "exporters.prometheus":
      "Scraped by Prometheus with honor_labels, so job stays service.namespace/service.name.\nExemplars (trace_id) are only exposed in the OpenMetrics format.",
    "service.telemetry":
      "The collector's own metrics (otelcol_*), scraped by Prometheus for the collector-health dashboard.",
  });
}
