/**
 * Where the stack's programs run and how they find each other. The backend
 * configs take a placement instead of naming hosts and paths themselves,
 * so the container targets (Compose, Kubernetes) and the native run (plain
 * processes on one host) render the same configs, differing only in
 * addresses, ports and data paths.
 *
 * @module
 */
import { COLLECTOR_PODS, NAMES } from "./names.ts";

/** A component that another one may address. */
export type ComponentName = keyof typeof NAMES;

/** A component that keeps data on a volume. */
export type StatefulName = "prometheus" | "tempo" | "loki" | "grafana";

/** A backend that reads a config file we generate and a path from flags. */
export type ConfiguredName = "collector" | "prometheus" | "tempo" | "loki";

/** Where Prometheus finds the instances it scrapes, as a scrape-config fragment. */
export type ScrapeTargets =
  | { readonly dns_sd_configs: readonly Record<string, unknown>[] }
  | { readonly static_configs: readonly Record<string, unknown>[] };

/** The addressing and file-system facts a config depends on. */
export interface Placement {
  /** The host name other components use to reach `component`. */
  host(component: ComponentName): string;
  /** The address servers bind to. */
  readonly bind: string;
  /** The directory a backend keeps its data in. */
  dataDir(component: StatefulName): string;
  /** The directory a backend reads its config file from. */
  configDir(component: ConfiguredName): string;
  /** Every instance of the collector on `port`, for scraping each one. */
  collectorInstances(port: number): ScrapeTargets;
}

/** Data directories inside the upstream images (their Dockerfiles). */
export const IMAGE_DATA_DIRS: Readonly<Record<StatefulName, string>> = {
  prometheus: "/prometheus",
  tempo: "/var/tempo",
  loki: "/loki",
  grafana: "/var/lib/grafana",
};

/** Config mount points inside the containers. */
export const CONTAINER_CONFIG_DIRS: Readonly<Record<ConfiguredName, string>> = {
  collector: "/etc/otelcol",
  prometheus: "/etc/prometheus",
  tempo: "/etc/tempo",
  loki: "/etc/loki",
};

/**
 * Compose and Kubernetes: each component is its own host named after it,
 * servers bind every interface, and the collector's instances are the A
 * records of one name (a headless Service, a Compose network alias).
 */
export const CONTAINERS: Placement = {
  host: (component) => NAMES[component],
  bind: "0.0.0.0",
  dataDir: (component) => IMAGE_DATA_DIRS[component],
  configDir: (component) => CONTAINER_CONFIG_DIRS[component],
  collectorInstances: (port) => ({
    dns_sd_configs: [{
      names: [COLLECTOR_PODS],
      type: "A",
      port,
      refresh_interval: "30s",
    }],
  }),
};

/**
 * Plain processes on one host: everything on the loopback address, data and
 * config in directories under `root`.
 */
export function nativePlacement(root: string): Placement {
  return {
    host: () => "127.0.0.1",
    bind: "127.0.0.1",
    dataDir: (component) => `${root}/data/${NAMES[component]}`,
    configDir: (component) => `${root}/config/${NAMES[component]}`,
    collectorInstances: (port) => ({
      static_configs: [{ targets: [`127.0.0.1:${port}`] }],
    }),
  };
}
