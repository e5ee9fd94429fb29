/**
 * The OpenTelemetry Collector Builder manifest for a collector holding
 * exactly the components the generated collector configs use: a small
 * distribution instead of contrib, and the one the native stack test
 * builds. Derived from the configs themselves, so the two cannot drift; a
 * component type without a module here stops `gen`.
 *
 * Module paths: opentelemetry-collector-releases v0.159.0,
 * distributions/otelcol-contrib/manifest.yaml.
 *
 * @module
 */

/** The binary the manifest builds. */
export const COLLECTOR_BINARY = "otelcol-space-app";

const CORE = "go.opentelemetry.io/collector";
const CONTRIB = "github.com/open-telemetry/opentelemetry-collector-contrib";

/** Manifest sections, by the config section a component is defined in. */
const SECTIONS = [
  "receivers",
  "processors",
  "exporters",
  "connectors",
  "extensions",
] as const;

type Section = typeof SECTIONS[number];

/** The Go module of each component type we use, per section. */
const MODULES: Readonly<Record<Section, Readonly<Record<string, string>>>> = {
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

/**
 * The manifest (as data) for collectors running any of `configs`: the
 * union of the component types they define, one module each, at the
 * collector release `version` (the pinned image's).
 */
export function builderManifest(
  configs: readonly Record<string, unknown>[],
  version: string,
): Record<string, unknown> {
  const manifest: Record<string, unknown> = {
    dist: {
      name: COLLECTOR_BINARY,
      description:
        "OpenTelemetry Collector with the components space-app's stack uses",
      version,
      output_path: `./${COLLECTOR_BINARY}`,
    },
  };
  for (const section of SECTIONS) {
    const types = new Set(
      configs.flatMap((c) =>
        Object.keys((c[section] as Record<string, unknown>) ?? {})
      ).map((id) => id.split("/")[0]),
    );
    if (types.size === 0) continue;
    manifest[section] = [...types].sort().map((type) => {
      const module = MODULES[section][type];
      if (!module) {
        throw new Error(
          `collector builder: no Go module known for ${section} type ${type}`,
        );
      }
      return { gomod: `${module} v${version}` };
    });
  }
  return manifest;
}
