/**
 * Tempo 3.0.3 as a single binary: OTLP receivers, local storage,
 * retention per tenant, and the metrics generator that remote-writes
 * service graphs and span metrics (with exemplars) to Prometheus
 * (shared/reference/tempo.md).
 *
 * @module
 */
import type { StackConfig } from "../config/types.ts";
import { goDuration } from "../config/units.ts";
import { NAMES, TEMPO_OTLP } from "../names.ts";
import { commentedYaml } from "./commented.ts";

/** Where the config is mounted and data is kept. */
export const TEMPO_PATHS = {
  config: "/etc/tempo/tempo.yaml",
  data: "/var/tempo",
} as const;

/** tempo.yaml as data. */
export function tempoData(config: StackConfig): Record<string, unknown> {
  const t = config.components.tempo;
  return {
    stream_over_http_enabled: true,
    server: { http_listen_port: t.port, log_level: "info" },
    distributor: {
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `0.0.0.0:${TEMPO_OTLP.grpc}` },
            http: { endpoint: `0.0.0.0:${TEMPO_OTLP.http}` },
          },
        },
      },
    },
    storage: {
      trace: {
        backend: "local",
        wal: { path: `${TEMPO_PATHS.data}/wal` },
        local: { path: `${TEMPO_PATHS.data}/blocks` },
      },
    },
    metrics_generator: {
      registry: { external_labels: { source: "tempo" } },
      storage: {
        path: `${TEMPO_PATHS.data}/generator/wal`,
        remote_write: [{
          url:
            `http://${NAMES.prometheus}:${config.components.prometheus.port}/api/v1/write`,
          send_exemplars: true,
        }],
      },
    },
    overrides: {
      defaults: {
        metrics_generator: { processors: ["service-graphs", "span-metrics"] },
        compaction: { block_retention: goDuration(t.retention) },
      },
    },
    usage_report: { reporting_enabled: false },
  };
}

/** tempo.yaml as commented YAML (no generated header). */
export function tempoConfig(config: StackConfig): string {
  return commentedYaml(tempoData(config), {
    "stream_over_http_enabled": "Grafana streams search results over HTTP.",
    "distributor":
      "OTLP from the collector; receivers default to localhost, so bind 0.0.0.0.",
    "metrics_generator":
      "Service graph (traces_service_graph_*) and span metrics (traces_spanmetrics_*) for Grafana's\nservice map and trace-to-metrics. Prometheus runs with --web.enable-remote-write-receiver.",
    "overrides":
      "Tempo 3 has no compactor block: processors and retention are per-tenant overrides.",
  });
}

/** Command-line flags of the Tempo container. */
export function tempoArgs(): string[] {
  return [`-config.file=${TEMPO_PATHS.config}`];
}
