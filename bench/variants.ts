/**
 * The two variants compared, and the service environment of each.
 *
 * @module
 */

/** A: telemetry on, exporting to the sink. B: `OTEL_SDK_DISABLED=true`. */
export type Variant = "A" | "B";

/** Human labels of the variants. */
export const VARIANT_LABEL: Record<Variant, string> = {
  A: "telemetry on",
  B: "OTEL_SDK_DISABLED=true",
};

/** Metric export interval of the instrumented runs (ms). */
export const METRIC_INTERVAL_MS = 5_000;

/** Settings common to every run: no drain wait at SIGTERM (no load balancer here). */
const COMMON = { SHUTDOWN_DRAIN_MS: "0" };

/** Service environment of `variant`, exporting to `endpoint` (the sink, or a closed port). */
export function variantEnv(
  variant: Variant,
  endpoint: string,
): Record<string, string> {
  return variant === "A"
    ? {
      ...COMMON,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_METRIC_EXPORT_INTERVAL: String(METRIC_INTERVAL_MS),
    }
    : { ...COMMON, OTEL_SDK_DISABLED: "true" };
}
