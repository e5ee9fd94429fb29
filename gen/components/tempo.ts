/**
 * Tempo 3.0.3 as a single binary: OTLP in, local storage, and (unless the
 * collector derives them) service graphs and span metrics for Prometheus.
 * @module
 */
import { commentedYaml } from "../serialize.ts";
import { NAMES } from "../names.ts";
import type { Placement } from "../placement.ts";
import type { StackConfig } from "../types.ts";
import { goDuration } from "../units.ts";
import { spanMetricsInCollector } from "./collector.ts";
import * as kit from "./context.ts";

/** tempo.yaml (no generated header). */
export function tempoConfig(config: StackConfig, placement: Placement): string {
  const t = config.components.tempo;
  const data = placement.dataDir("tempo");
  const generator = !spanMetricsInCollector(config);
  const prometheus = placement.host("prometheus");
  const write = `http://${prometheus}:${config.components.prometheus.port}`;
  return commentedYaml({
    stream_over_http_enabled: true,
    server: kit.servers(placement, t.port, t.grpcPort),
    distributor: {
      receivers: kit.otlpReceivers(placement, t.otlpGrpcPort, t.otlpHttpPort),
    },
    storage: {
      trace: {
        backend: "local",
        wal: { path: `${data}/wal` },
        local: { path: `${data}/blocks` },
      },
    },
    ...(generator && {
      metrics_generator: {
        registry: { external_labels: { source: "tempo" } },
        storage: {
          path: `${data}/generator/wal`,
          remote_write: [{
            url: `${write}/api/v1/write`,
            send_exemplars: true,
          }],
        },
      },
    }),
    overrides: {
      defaults: {
        ...(generator && {
          metrics_generator: { processors: ["service-graphs", "span-metrics"] },
        }),
        compaction: { block_retention: goDuration(t.retention) },
      },
    },
    usage_report: { reporting_enabled: false },
  }, {
    "stream_over_http_enabled": "Grafana streams search results over HTTP.",
    "server":
      "Both servers explicit: Loki's gRPC default (9095) is the same port.",
    "distributor":
      "OTLP from the collector; receivers default to localhost, so the address is explicit.",
    ...(generator && {
      "metrics_generator":
        "Service graph (traces_service_graph_*) and span metrics (traces_spanmetrics_*) for Grafana's\nservice map and trace-to-metrics. Prometheus runs with --web.enable-remote-write-receiver.",
    }),
    "overrides":
      "Tempo 3 has no compactor block: processors and retention are per-tenant overrides.",
  });
}

/** grafana/tempo: distroless, `USER 10001:10001`; `/tempo -health` checks /ready. */
const USER = { uid: 10001, gid: 10001 };

const FILE = { name: "tempo.yaml", flag: "-config.file", render: tempoConfig };

export const tempo: kit.ComponentModule = (ctx) => {
  const t = ctx.config.components.tempo;
  return kit.backend(ctx, "tempo", FILE, {
    description:
      "Tempo: traces over OTLP, local storage, service-graph and span metrics generator.",
    env: [kit.goMemLimit(t.resources)],
    ports: [
      kit.port("http", t.port, true),
      kit.port("grpc", t.grpcPort),
      kit.port("otlp-grpc", t.otlpGrpcPort),
      kit.port("otlp-http", t.otlpHttpPort),
    ],
    health: {
      ready: { port: t.port, path: "/ready" },
      startSeconds: kit.startBudget(ctx, 300),
      // /ready also fails while a module restarts: no reason to kill it.
      alive: { tcpPort: t.port },
      // `-health` asks localhost:3200 (cmd/tempo/health.go).
      command: t.port === 3200 ? ["/tempo", "-health"] : undefined,
    },
    user: USER,
    dependsOn: kit.afterHealthy("prometheus"),
    clients: [
      ...kit.allow([NAMES.collector], [t.otlpGrpcPort, t.otlpHttpPort]),
      ...kit.allow([NAMES.grafana], [t.port]),
    ],
  });
};
