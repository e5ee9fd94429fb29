/**
 * Prometheus v3.14.0: the config file (scrape jobs, exemplar and
 * out-of-order storage) and the command-line flags that switch on the
 * receivers the stack pushes to: OTLP from the collector, remote write
 * from Tempo's metrics generator.
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
import {
  type BuildContext,
  CHECK_TIMING,
  type ComponentModule,
  configDir,
  startBudget,
  wgetCheck,
} from "./context.ts";

/** Scrape job names, as dashboards and alerts refer to them. */
export const SCRAPE_JOBS = {
  /** The collector's own metrics. */
  collector: "otelcol",
  prometheus: "prometheus",
} as const;

/** File name of the config inside its directory. */
export const PROMETHEUS_FILE = "prometheus.yml";

/** prometheus.yml as data. */
export function prometheusData(
  config: StackConfig,
  placement: Placement,
): Record<string, unknown> {
  const p = config.components.prometheus;
  const col = config.components.collector.ports;
  return {
    global: {
      scrape_interval: p.scrapeInterval,
      evaluation_interval: p.scrapeInterval,
    },
    storage: {
      tsdb: {
        out_of_order_time_window: "30m",
        retention: { time: p.retention },
      },
      exemplars: { max_exemplars: 100000 },
    },
    scrape_configs: [
      {
        job_name: SCRAPE_JOBS.collector,
        ...placement.collectorInstances(col.selfMetrics),
      },
      {
        job_name: SCRAPE_JOBS.prometheus,
        static_configs: [{ targets: [`localhost:${p.port}`] }],
      },
    ],
  };
}

/** prometheus.yml as commented YAML (no generated header). */
export function prometheusConfig(
  config: StackConfig,
  placement: Placement,
): string {
  return commentedYaml(prometheusData(config, placement), {
    "storage.tsdb":
      "Pushed samples (OTLP from several collectors, remote write from Tempo) may arrive\na little out of order: accept them up to 30 minutes late. Retention is set here\n(the --storage.tsdb.retention.time flag is deprecated in 3.x).",
    "storage.exemplars":
      "Exemplars need --enable-feature=exemplar-storage (a flag); this sizes their buffer.",
    "scrape_configs":
      "The services' metrics are pushed (OTLP), not scraped. The collector's own metrics are\nscraped from each instance on its own, never through a load-balanced name.",
  });
}

/** Command-line flags of Prometheus. */
export function prometheusArgs(
  config: StackConfig,
  placement: Placement,
): string[] {
  const p = config.components.prometheus;
  return [
    `--config.file=${placement.configDir("prometheus")}/${PROMETHEUS_FILE}`,
    `--storage.tsdb.path=${placement.dataDir("prometheus")}`,
    `--web.listen-address=${placement.bind}:${p.port}`,
    // The collector pushes the services' metrics (POST /api/v1/otlp/v1/metrics).
    "--web.enable-otlp-receiver",
    // Tempo's metrics generator remote-writes service graphs and span metrics.
    "--web.enable-remote-write-receiver",
    "--enable-feature=exemplar-storage",
  ];
}

/**
 * prom/prometheus: busybox base (wget), `USER nobody`, `/prometheus` owned
 * by nobody (prometheus/prometheus Dockerfile). It sizes GOMEMLIMIT from
 * the cgroup itself (`--auto-gomemlimit`, on by default in 3.x).
 */
const USER = { uid: 65534, gid: 65534 };

/** Prometheus. */
export const prometheus: ComponentModule = {
  name: "prometheus",
  build(ctx: BuildContext): Component {
    const { config, placement, prod } = ctx;
    const p = config.components.prometheus;
    return {
      name: NAMES.prometheus,
      description:
        "Prometheus: the services' metrics pushed by the collector (OTLP), Tempo's by remote write.",
      image: p.image,
      build: false,
      args: prometheusArgs(config, placement),
      env: [],
      ports: [{ name: "http", port: p.port, publish: true }],
      configDirs: [
        configDir(
          ctx,
          "prometheus-config",
          "prometheus",
          CONTAINER_CONFIG_DIRS.prometheus,
          [{
            name: PROMETHEUS_FILE,
            content: prometheusConfig(config, placement),
          }],
        ),
      ],
      volume: {
        name: "prometheus-data",
        mountPath: IMAGE_DATA_DIRS.prometheus,
        size: prod?.storage.prometheus ?? p.storage,
      },
      health: {
        ready: { port: p.port, path: "/-/ready" },
        alive: { port: p.port, path: "/-/healthy" },
        command: wgetCheck(`http://127.0.0.1:${p.port}/-/ready`),
        ...CHECK_TIMING,
        startSeconds: startBudget(ctx, 600),
      },
      resources: p.resources,
      user: USER,
      readOnlyRootFilesystem: true,
      replicas: 1,
      autoscaled: false,
      recreate: true,
      scratchDirs: [],
      dependsOn: [],
      terminationGraceSeconds: 60,
      clients: [NAMES.collector, NAMES.grafana, NAMES.tempo].map((from) => ({
        from,
        port: p.port,
      })),
    };
  },
};
