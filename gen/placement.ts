/**
 * Where the stack's programs run and how they find each other: containers
 * and the native run render the same configs from a placement.
 * @module
 */
import { COLLECTOR_PODS, NAMES } from "./names.ts";

export type ComponentName = keyof typeof NAMES;
export type StatefulName = "prometheus" | "tempo" | "loki" | "grafana";
export type ConfiguredName = "collector" | "prometheus" | "tempo" | "loki";

export interface Placement {
  host(component: ComponentName): string;
  /** The address servers bind to. */
  readonly bind: string;
  dataDir(component: StatefulName): string;
  configDir(component: ConfiguredName): string;
  /** Where Prometheus finds every collector instance on `port`, to scrape each one. */
  collectorInstances(port: number): Record<string, unknown>;
}

/** Data directories inside the upstream images (their Dockerfiles). */
export const IMAGE_DATA_DIRS: Readonly<Record<StatefulName, string>> = {
  prometheus: "/prometheus",
  tempo: "/var/tempo",
  loki: "/loki",
  grafana: "/var/lib/grafana",
};

export const CONTAINER_CONFIG_DIRS: Readonly<Record<ConfiguredName, string>> = {
  collector: "/etc/otelcol",
  prometheus: "/etc/prometheus",
  tempo: "/etc/tempo",
  loki: "/etc/loki",
};

/** Compose and Kubernetes: one host per component, named after it. */
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

/** Processes on one host: the loopback address, data and config under `root`. */
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
