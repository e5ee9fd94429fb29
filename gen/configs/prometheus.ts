/**
 * Prometheus v3.14.0: the scrape config (only keys Debian's promtool 2.42
 * also accepts, so CI can check it) and the command-line flags that carry
 * the version-3 behaviour (shared/reference/prometheus.md).
 *
 * @module
 */
import type { StackConfig } from "../config/types.ts";
import { COLLECTOR_PODS } from "../names.ts";
import { commentedYaml } from "./commented.ts";

/** Scrape job names, as dashboards and alerts refer to them. */
export const SCRAPE_JOBS = {
  /** The collector's prometheus exporter: the services' metrics. */
  exporter: "otelcol-exporter",
  /** The collector's own metrics. */
  collector: "otelcol",
  prometheus: "prometheus",
} as const;

/** Where the config is mounted and data is kept. */
export const PROMETHEUS_PATHS = {
  config: "/etc/prometheus/prometheus.yml",
  data: "/prometheus",
} as const;

/** prometheus.yml as data. */
export function prometheusData(config: StackConfig): Record<string, unknown> {
  const p = config.components.prometheus;
  const col = config.components.collector.ports;
  // DNS A records of every collector instance, the same name on both targets.
  const collectorTargets = (port: number) => [{
    names: [COLLECTOR_PODS],
    type: "A",
    port,
    refresh_interval: "30s",
  }];
  return {
    global: {
      scrape_interval: p.scrapeInterval,
      evaluation_interval: p.scrapeInterval,
    },
    storage: {
      exemplars: { max_exemplars: 100000 },
    },
    scrape_configs: [
      {
        job_name: SCRAPE_JOBS.exporter,
        honor_labels: true,
        dns_sd_configs: collectorTargets(col.prometheusExporter),
      },
      {
        job_name: SCRAPE_JOBS.collector,
        dns_sd_configs: collectorTargets(col.selfMetrics),
      },
      {
        job_name: SCRAPE_JOBS.prometheus,
        static_configs: [{ targets: [`localhost:${p.port}`] }],
      },
    ],
  };
}

/** prometheus.yml as commented YAML (no generated header). */
export function prometheusConfig(config: StackConfig): string {
  return commentedYaml(prometheusData(config), {
    "storage":
      "Exemplars need --enable-feature=exemplar-storage (a flag); this sizes their buffer.\nRetention is a flag too: the storage.tsdb.retention key is Prometheus 3 only.",
    "scrape_configs":
      "Each collector instance is scraped on its own (DNS A records), never through a load-balanced name.\nhonor_labels keeps job = service.namespace/service.name and instance = service.instance.id\nas the exporter sets them, instead of exported_job/exported_instance.",
  });
}

/** Command-line flags of the Prometheus container. */
export function prometheusArgs(config: StackConfig): string[] {
  const p = config.components.prometheus;
  return [
    `--config.file=${PROMETHEUS_PATHS.config}`,
    `--storage.tsdb.path=${PROMETHEUS_PATHS.data}`,
    `--storage.tsdb.retention.time=${p.retention}`,
    `--web.listen-address=0.0.0.0:${p.port}`,
    // Tempo's metrics generator remote-writes service graphs and span metrics.
    "--web.enable-remote-write-receiver",
    "--enable-feature=exemplar-storage",
  ];
}
