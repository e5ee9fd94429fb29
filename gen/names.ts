/**
 * Service names of the stack: DNS names inside Compose's network and the
 * Kubernetes namespace, so every config can address every other service
 * the same way on both targets.
 *
 * @module
 */

/** The name of each component. */
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
 * A second name that resolves to every collector instance rather than one
 * (a headless Service in Kubernetes, a network alias in Compose), so
 * Prometheus scrapes each replica's exporter instead of whichever one the
 * Service picks.
 */
export const COLLECTOR_PODS = "otelcol-pods";
