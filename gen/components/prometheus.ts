/**
 * Prometheus v3.14.0, with the receivers the stack pushes to: OTLP from the
 * collector, remote write from Tempo.
 * @module
 */
import { commentedYaml } from "../serialize.ts";
import { NAMES } from "../names.ts";
import type { Placement } from "../placement.ts";
import type { StackConfig } from "../types.ts";
import * as kit from "./context.ts";

/** Scrape job names, as dashboards and alerts refer to them. */
export const SCRAPE_JOBS = {
  /** The collector's own metrics. */
  collector: "otelcol",
  prometheus: "prometheus",
} as const;

/** prometheus.yml (no generated header). */
export function prometheusConfig(
  config: StackConfig,
  placement: Placement,
): string {
  const p = config.components.prometheus;
  const col = config.components.collector.ports;
  return commentedYaml({
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
  }, {
    "storage.tsdb":
      "Pushed samples (OTLP from several collectors, remote write from Tempo) may arrive\na little out of order: accept them up to 30 minutes late. Retention is set here\n(the --storage.tsdb.retention.time flag is deprecated in 3.x).",
    "storage.exemplars":
      "Exemplars need --enable-feature=exemplar-storage (a flag); this sizes their buffer.",
    "scrape_configs":
      "The services' metrics are pushed (OTLP), not scraped. The collector's own metrics are\nscraped from each instance on its own, never through a load-balanced name.",
  });
}

/** prom/prometheus: busybox wget, `USER nobody`; GOMEMLIMIT from the cgroup itself. */
const USER = { uid: 65534, gid: 65534 };

const FILE = {
  name: "prometheus.yml",
  flag: "--config.file",
  render: prometheusConfig,
};

export const prometheus: kit.ComponentModule = (ctx) => {
  const p = ctx.config.components.prometheus;
  const ready = { port: p.port, path: "/-/ready" };
  return kit.backend(ctx, "prometheus", FILE, {
    description:
      "Prometheus: the services' metrics pushed by the collector (OTLP), Tempo's by remote write.",
    args: [
      `--storage.tsdb.path=${ctx.placement.dataDir("prometheus")}`,
      `--web.listen-address=${ctx.placement.bind}:${p.port}`,
      // The collector pushes the services' metrics (POST /api/v1/otlp/v1/metrics).
      "--web.enable-otlp-receiver",
      // Tempo's metrics generator remote-writes service graphs and span metrics.
      "--web.enable-remote-write-receiver",
      "--enable-feature=exemplar-storage",
    ],
    ports: [kit.port("http", p.port, true)],
    health: {
      ready,
      startSeconds: kit.startBudget(ctx, 600),
      alive: { port: p.port, path: "/-/healthy" },
      command: kit.wgetCheck(ready),
    },
    user: USER,
    terminationGraceSeconds: 60,
    clients: kit.allow([NAMES.collector, NAMES.grafana, NAMES.tempo], [
      p.port,
    ]),
  });
};
