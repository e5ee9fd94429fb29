/**
 * Loki 3.7.6 as a single binary on the filesystem: OTLP ingestion with
 * structured metadata (tsdb, schema v13), retention through the compactor
 * (shared/reference/loki.md).
 *
 * @module
 */
import type { StackConfig } from "../config/types.ts";
import { commentedYaml } from "./commented.ts";

/** Where the config is mounted and data is kept. */
export const LOKI_PATHS = {
  config: "/etc/loki/loki.yaml",
  data: "/loki",
} as const;

/** loki.yaml as data. */
export function lokiData(config: StackConfig): Record<string, unknown> {
  const l = config.components.loki;
  const data = LOKI_PATHS.data;
  return {
    auth_enabled: false,
    server: { http_listen_port: l.port, log_level: "info" },
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
    ingester: { lifecycler: { min_ready_duration: "1s" } },
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
export function lokiConfig(config: StackConfig): string {
  return commentedYaml(lokiData(config), {
    "common":
      "One node: in-memory ring on the loopback address (no interface lookup inside containers).",
    "schema_config":
      "tsdb with schema v13 is what structured metadata needs; OTLP trace_id and span_id are stored there.",
    "ingester": "A single node is ready at once (the default waits 15 s).",
    "limits_config":
      'service.name and the other OTLP resource attributes become labels (service_name);\ntrace_id is queried as `| trace_id="..."`.',
    "compactor":
      "Retention is applied by the compactor; it needs a store for delete requests.",
  });
}

/** Command-line flags of the Loki container. */
export function lokiArgs(): string[] {
  return [`-config.file=${LOKI_PATHS.config}`];
}
