/**
 * Tempo 3.0.3 as a single binary: OTLP receivers, local storage,
 * retention per tenant, and (unless the collector derives them before
 * tail sampling) the metrics generator that remote-writes service graphs
 * and span metrics, with exemplars, to Prometheus.
 *
 * @module
 */
import type { StackConfig } from "../types.ts";
import { goDuration } from "../units.ts";
import type { Placement } from "../placement.ts";
import { commentedYaml } from "../commented.ts";
import { spanMetricsInCollector } from "./collector.ts";

/** File name of the config inside its directory. */
export const TEMPO_FILE = "tempo.yaml";

/** tempo.yaml as data. */
export function tempoData(
  config: StackConfig,
  placement: Placement,
): Record<string, unknown> {
  const t = config.components.tempo;
  const data = placement.dataDir("tempo");
  const bind = placement.bind;
  const generator = !spanMetricsInCollector(config);
  const out: Record<string, unknown> = {
    stream_over_http_enabled: true,
    server: {
      http_listen_address: bind,
      http_listen_port: t.port,
      grpc_listen_address: bind,
      grpc_listen_port: t.grpcPort,
      log_level: "info",
    },
    distributor: {
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `${bind}:${t.otlpGrpcPort}` },
            http: { endpoint: `${bind}:${t.otlpHttpPort}` },
          },
        },
      },
    },
    storage: {
      trace: {
        backend: "local",
        wal: { path: `${data}/wal` },
        local: { path: `${data}/blocks` },
      },
    },
  };
  if (generator) {
    out.metrics_generator = {
      registry: { external_labels: { source: "tempo" } },
      storage: {
        path: `${data}/generator/wal`,
        remote_write: [{
          url: `http://${
            placement.host("prometheus")
          }:${config.components.prometheus.port}/api/v1/write`,
          send_exemplars: true,
        }],
      },
    };
  }
  out.overrides = {
    defaults: {
      ...(generator
        ? {
          metrics_generator: { processors: ["service-graphs", "span-metrics"] },
        }
        : {}),
      compaction: { block_retention: goDuration(t.retention) },
    },
  };
  out.usage_report = { reporting_enabled: false };
  return out;
}

/** tempo.yaml as commented YAML (no generated header). */
export function tempoConfig(
  config: StackConfig,
  placement: Placement,
): string {
  const generator = !spanMetricsInCollector(config);
  return commentedYaml(tempoData(config, placement), {
    "stream_over_http_enabled": "Grafana streams search results over HTTP.",
    "server":
      "Both servers explicit: Loki's gRPC default (9095) is the same port.",
    "distributor":
      "OTLP from the collector; receivers default to localhost, so the address is explicit.",
    ...(generator
      ? {
        "metrics_generator":
          "Service graph (traces_service_graph_*) and span metrics (traces_spanmetrics_*) for Grafana's\nservice map and trace-to-metrics. Prometheus runs with --web.enable-remote-write-receiver.",
      }
      : {}),
    "overrides":
      "Tempo 3 has no compactor block: processors and retention are per-tenant overrides.",
  });
}

/** Command-line flags of Tempo. */
export function tempoArgs(placement: Placement): string[] {
  return [`-config.file=${placement.configDir("tempo")}/${TEMPO_FILE}`];
}
