/**
 * Tempo 3.0.3 as a single binary: OTLP receivers, local storage,
 * retention per tenant, and (unless the collector derives them before
 * tail sampling) the metrics generator that remote-writes service graphs
 * and span metrics, with exemplars, to Prometheus.
 *
 * @module
 */
import { commentedYaml } from "../commented.ts";
import type { Component } from "../model.ts";
import { NAMES } from "../names.ts";
import {
  CONTAINER_CONFIG_DIRS,
  IMAGE_DATA_DIRS,
  type Placement,
} from "../placement.ts";
import type { StackConfig } from "../types.ts";
import { goDuration } from "../units.ts";
import { spanMetricsInCollector } from "./collector.ts";
import {
  type BuildContext,
  CHECK_TIMING,
  type ComponentModule,
  configDir,
  goMemLimit,
  startBudget,
} from "./context.ts";

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

/**
 * grafana/tempo: distroless, `USER 10001:10001`, `/var/tempo` owned by it
 * (grafana/tempo cmd/tempo/Dockerfile); `/tempo -health` checks /ready.
 */
const USER = { uid: 10001, gid: 10001 };

/** Tempo. */
export const tempo: ComponentModule = {
  name: "tempo",
  build(ctx: BuildContext): Component {
    const { config, placement, prod } = ctx;
    const t = config.components.tempo;
    return {
      name: NAMES.tempo,
      description:
        "Tempo: traces over OTLP, local storage, service-graph and span metrics generator.",
      image: t.image,
      build: false,
      args: tempoArgs(placement),
      env: [goMemLimit(t.resources)],
      ports: [
        { name: "http", port: t.port, publish: true },
        { name: "grpc", port: t.grpcPort, publish: false },
        { name: "otlp-grpc", port: t.otlpGrpcPort, publish: false },
        { name: "otlp-http", port: t.otlpHttpPort, publish: false },
      ],
      configDirs: [
        configDir(ctx, "tempo-config", "tempo", CONTAINER_CONFIG_DIRS.tempo, [{
          name: TEMPO_FILE,
          content: tempoConfig(config, placement),
        }]),
      ],
      volume: {
        name: "tempo-data",
        mountPath: IMAGE_DATA_DIRS.tempo,
        size: prod?.storage.tempo ?? t.storage,
      },
      health: {
        ready: { port: t.port, path: "/ready" },
        // /ready also fails while a module restarts: no reason to kill it.
        alive: { tcpPort: t.port },
        // `-health` asks localhost:3200 (cmd/tempo/health.go).
        command: t.port === 3200 ? ["/tempo", "-health"] : undefined,
        ...CHECK_TIMING,
        startSeconds: startBudget(ctx, 300),
      },
      resources: t.resources,
      user: USER,
      readOnlyRootFilesystem: true,
      replicas: 1,
      autoscaled: false,
      recreate: true,
      scratchDirs: [],
      dependsOn: [{
        component: NAMES.prometheus,
        condition: "service_healthy",
      }],
      terminationGraceSeconds: 30,
      clients: [
        { from: NAMES.collector, port: t.otlpGrpcPort },
        { from: NAMES.collector, port: t.otlpHttpPort },
        { from: NAMES.grafana, port: t.port },
      ],
    };
  },
};
