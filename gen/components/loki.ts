/**
 * Loki 3.7.6 as a single binary on the filesystem: OTLP ingestion with
 * structured metadata (tsdb, schema v13), retention through the compactor,
 * a WAL replay ceiling that fits the container, and the pattern ingester
 * for Logs Drilldown.
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
import { parseBytes } from "../units.ts";
import {
  type BuildContext,
  CHECK_TIMING,
  type ComponentModule,
  configDir,
  goMemLimit,
  startBudget,
} from "./context.ts";

/** File name of the config inside its directory. */
export const LOKI_FILE = "loki.yaml";

/** Share of the container's memory limit a WAL replay may use. */
const WAL_REPLAY_SHARE = 0.75;

/** Loki's byte-size notation, whole megabytes (`768MB`). */
function megabytes(bytes: number): string {
  return `${Math.floor(bytes / 1e6)}MB`;
}

/** loki.yaml as data. */
export function lokiData(
  config: StackConfig,
  placement: Placement,
): Record<string, unknown> {
  const l = config.components.loki;
  const data = placement.dataDir("loki");
  const limit = parseBytes(l.resources.limits.memory)!;
  return {
    auth_enabled: false,
    server: {
      http_listen_address: placement.bind,
      http_listen_port: l.port,
      grpc_listen_address: placement.bind,
      grpc_listen_port: l.grpcPort,
      log_level: "info",
    },
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
      wal: { replay_memory_ceiling: megabytes(limit * WAL_REPLAY_SHARE) },
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
  };
}

/** loki.yaml as commented YAML (no generated header). */
export function lokiConfig(config: StackConfig, placement: Placement): string {
  return commentedYaml(lokiData(config, placement), {
    "server":
      "Both servers explicit: Tempo's gRPC default (9095) is Loki's default too.",
    "common":
      "One node: in-memory ring on the loopback address (no interface lookup inside containers).",
    "schema_config":
      "tsdb with schema v13 is what structured metadata needs; OTLP trace_id and span_id are stored there.",
    "ingester":
      "A single node is ready at once (the default waits 15 s). A WAL replay after a crash\nmay use 75% of the container's memory limit (the default ceiling is 4 GB).",
    "pattern_ingester": "Log patterns for Grafana's Logs Drilldown.",
    "limits_config":
      'Loki\'s default OTLP resource attributes become index labels (dots as _): service.name,\nservice.namespace, service.instance.id, deployment.environment.name, k8s and cloud names.\nOther attributes, trace_id and span_id are structured metadata: `| trace_id="..."`.',
    "compactor":
      "Retention is applied by the compactor; it needs a store for delete requests.",
  });
}

/** Command-line flags of Loki. */
export function lokiArgs(placement: Placement): string[] {
  return [`-config.file=${placement.configDir("loki")}/${LOKI_FILE}`];
}

/**
 * grafana/loki: distroless static nonroot since 3.6.0, `USER 10001`,
 * `/loki` owned by it (grafana/loki cmd/loki/Dockerfile); no shell, but
 * `loki -health` checks /ready.
 */
const USER = { uid: 10001, gid: 10001 };

/** Loki. */
export const loki: ComponentModule = {
  name: "loki",
  build(ctx: BuildContext): Component {
    const { config, placement, prod } = ctx;
    const l = config.components.loki;
    return {
      name: NAMES.loki,
      description:
        "Loki: logs over OTLP with structured metadata (trace ids), filesystem storage.",
      image: l.image,
      build: false,
      args: lokiArgs(placement),
      env: [goMemLimit(l.resources)],
      ports: [
        { name: "http", port: l.port, publish: true },
        { name: "grpc", port: l.grpcPort, publish: false },
      ],
      configDirs: [
        configDir(ctx, "loki-config", "loki", CONTAINER_CONFIG_DIRS.loki, [{
          name: LOKI_FILE,
          content: lokiConfig(config, placement),
        }]),
      ],
      volume: {
        name: "loki-data",
        mountPath: IMAGE_DATA_DIRS.loki,
        size: prod?.storage.loki ?? l.storage,
      },
      health: {
        ready: { port: l.port, path: "/ready" },
        alive: { tcpPort: l.port },
        command: [
          "/usr/bin/loki",
          "-health",
          `-health.url=http://127.0.0.1:${l.port}/ready`,
        ],
        ...CHECK_TIMING,
        startSeconds: startBudget(ctx, 300),
      },
      resources: l.resources,
      user: USER,
      readOnlyRootFilesystem: true,
      replicas: 1,
      autoscaled: false,
      recreate: true,
      scratchDirs: [],
      dependsOn: [],
      terminationGraceSeconds: 30,
      clients: [
        { from: NAMES.collector, port: l.port },
        { from: NAMES.grafana, port: l.port },
      ],
    };
  },
};
