/**
 * Service names of the stack: DNS names inside Compose's network and the
 * Kubernetes namespace, so every config addresses every service the same
 * way on both targets.
 * @module
 */

export const NAMES = {
  app: "space-app",
  loadgen: "loadgen",
  collector: "otelcol",
  prometheus: "prometheus",
  tempo: "tempo",
  loki: "loki",
  grafana: "grafana",
} as const;

/**
 * A second name resolving to every collector instance (a headless Service,
 * a Compose network alias), so Prometheus scrapes each replica.
 */
export const COLLECTOR_PODS = "otelcol-pods";
