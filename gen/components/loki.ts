/**
 * Loki 3.7.6 as a single binary on the filesystem: OTLP ingestion with
 * structured metadata, retention through the compactor.
 * @module
 */
import { commentedYaml } from "../serialize.ts";
import { NAMES } from "../names.ts";
import type { Placement } from "../placement.ts";
import type { StackConfig } from "../types.ts";
import { parseBytes } from "../units.ts";
import * as kit from "./context.ts";

/** Share of the container's memory limit a WAL replay may use. */
const WAL_REPLAY_SHARE = 0.75;
/** Loki's byte sizes read `MB` as 2^20 bytes. */
const LOKI_MB = 2 ** 20;

/** loki.yaml (no generated header). */
export function lokiConfig(config: StackConfig, placement: Placement): string {
  const l = config.components.loki;
  const data = placement.dataDir("loki");
  const replay = parseBytes(l.resources.limits.memory)! * WAL_REPLAY_SHARE;
  return commentedYaml({
    auth_enabled: false,
    server: kit.servers(placement, l.port, l.grpcPort),
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: data,
      storage: {
        filesystem: {
          chunks_directory: `${data}/chunks`,
          rules_directory: `${data}/rules`,
        },
      },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: {
      configs: [{
        from: "2024-01-01",
        store: "tsdb",
        object_store: "filesystem",
        schema: "v13",
        index: { prefix: "index_", period: "24h" },
      }],
    },
    ingester: {
      lifecycler: { min_ready_duration: "1s" },
      // Loki's byte-size notation, whole megabytes.
      wal: { replay_memory_ceiling: `${Math.floor(replay / LOKI_MB)}MB` },
    },
    pattern_ingester: { enabled: true },
    limits_config: {
      allow_structured_metadata: true,
      volume_enabled: true,
      retention_period: l.retention,
    },
    compactor: {
      working_directory: `${data}/compactor`,
      retention_enabled: true,
      delete_request_store: "filesystem",
    },
    analytics: { reporting_enabled: false },
  }, {
    "server":
      "Both servers explicit: Tempo's gRPC default (9095) is Loki's default too.",
    "common":
      "One node: in-memory ring on the loopback address (no interface lookup inside containers).",
    "schema_config":
      "tsdb with schema v13 is what structured metadata needs; OTLP trace_id and span_id are stored there.",
    "ingester":
      "A single node is ready at once (the default waits 15 s). A WAL replay after a crash\nmay use 75% of the container's memory limit (the default ceiling is 4 GiB).",
    "pattern_ingester": "Log patterns for Grafana's Logs Drilldown.",
    "limits_config":
      'Loki\'s default OTLP resource attributes become index labels (dots as _): service.name,\nservice.namespace, service.instance.id, deployment.environment.name, k8s and cloud names.\nOther attributes, trace_id and span_id are structured metadata: `| trace_id="..."`.',
    "compactor":
      "Retention is applied by the compactor; it needs a store for delete requests.",
  });
}

/** grafana/loki: distroless (no shell), `USER 10001`; `loki -health` checks /ready. */
const USER = { uid: 10001, gid: 10001 };

const FILE = { name: "loki.yaml", flag: "-config.file", render: lokiConfig };

export const loki: kit.ComponentModule = (ctx) => {
  const l = ctx.config.components.loki;
  return kit.backend(ctx, "loki", FILE, {
    description:
      "Loki: logs over OTLP with structured metadata (trace ids), filesystem storage.",
    env: [kit.goMemLimit(l.resources)],
    ports: [kit.port("http", l.port, true), kit.port("grpc", l.grpcPort)],
    health: {
      ready: { port: l.port, path: "/ready" },
      startSeconds: kit.startBudget(ctx, 300),
      alive: { tcpPort: l.port },
      command: [
        "/usr/bin/loki",
        "-health",
        `-health.url=http://127.0.0.1:${l.port}/ready`,
      ],
    },
    user: USER,
    clients: kit.allow([NAMES.collector, NAMES.grafana], [l.port]),
  });
};
