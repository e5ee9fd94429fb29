/**
 * The OpenTelemetry Collector Builder manifest for a collector of just the
 * components the generated configs use (module paths: otelcol-contrib's
 * manifest, opentelemetry-collector-releases v0.159.0).
 * @module
 */

const CORE = "go.opentelemetry.io/collector";
const CONTRIB = "github.com/open-telemetry/opentelemetry-collector-contrib";

/** The Go module of each component type we use, per config section. */
const MODULES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  receivers: { otlp: `${CORE}/receiver/otlpreceiver` },
  processors: {
    memory_limiter: `${CORE}/processor/memorylimiterprocessor`,
    batch: `${CORE}/processor/batchprocessor`,
    resource: `${CONTRIB}/processor/resourceprocessor`,
    tail_sampling: `${CONTRIB}/processor/tailsamplingprocessor`,
  },
  exporters: { otlp_http: `${CORE}/exporter/otlphttpexporter` },
  connectors: {
    forward: `${CORE}/connector/forwardconnector`,
    span_metrics: `${CONTRIB}/connector/spanmetricsconnector`,
    service_graph: `${CONTRIB}/connector/servicegraphconnector`,
  },
  extensions: { health_check: `${CONTRIB}/extension/healthcheckextension` },
};

/** The manifest for collectors running any of `configs`, at release `version`. */
export function builderManifest(
  configs: readonly Record<string, unknown>[],
  version: string,
): Record<string, unknown> {
  const binary = "otelcol-space-app";
  const manifest: Record<string, unknown> = {
    dist: {
      name: binary,
      description:
        "OpenTelemetry Collector with the components space-app's stack uses",
      version,
      output_path: `./${binary}`,
    },
  };
  for (const [section, modules] of Object.entries(MODULES)) {
    const types = new Set(
      configs.flatMap((c) => Object.keys(c[section] ?? {}))
        .map((id) => id.split("/")[0]),
    );
    if (types.size === 0) continue;
    manifest[section] = [...types].sort().map((type) => {
      if (!modules[type]) {
        throw new Error(
          `collector builder: no Go module known for ${section} type ${type}`,
        );
      }
      return { gomod: `${modules[type]} v${version}` };
    });
  }
  return manifest;
}
