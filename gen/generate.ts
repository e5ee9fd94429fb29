/**
 * The whole generator as one pure function: a validated config in, every
 * file of `deploy/` out. Nothing here touches the disk.
 * @module
 */
import { collectorData } from "./components/collector.ts";
import { builderManifest } from "./components/collector_builder.ts";
import type { BuildTarget, Target } from "./components/context.ts";
import { credentialsOf } from "./components/grafana.ts";
import { buildComponents } from "./components/mod.ts";
import { byPath, type GeneratedFile } from "./header.ts";
import { NAMES } from "./names.ts";
import { CONTAINERS } from "./placement.ts";
import { renderCompose } from "./render/compose.ts";
import { renderBase } from "./render/kustomize_base.ts";
import { renderOverlay } from "./render/overlay.ts";
import { renderProductionExtras } from "./render/production.ts";
import { commentedYaml, serialize, withHeader, yamlFile } from "./serialize.ts";
import { imageVersion } from "./units.ts";
import { assertValid } from "./validate.ts";

/** Paths of the generated tree, relative to `deploy/`. */
export const PATHS = {
  compose: "compose",
  base: "k8s/base",
  local: "k8s/overlays/local",
  production: "k8s/overlays/production",
  collectorBuilder: "collector-builder",
} as const;

/** Every file of the deploy tree for a config; throws on an invalid config. */
export function generate(config: unknown, source: string): GeneratedFile[] {
  assertValid(config);
  const build = (target: BuildTarget) =>
    buildComponents(config, target, source);
  const [base, production] = [build("base"), build("production")];
  // Compose and the base share the literal credentials of the config.
  const creds = credentialsOf(config, "base");
  if (creds.kind !== "literal") {
    throw new Error("the base needs literal Grafana credentials");
  }
  const admin = { "admin-user": creds.user, "admin-password": creds.password };
  const overlay = (target: Target, components = build(target)) => ({
    namespace: config.namespace,
    base,
    overlay: components,
    credentials: {
      component: NAMES.grafana,
      base: creds,
      overlay: credentialsOf(config, target),
    },
    extras: [],
  });
  const compose = renderCompose(build("compose"), {
    project: config.namespace,
    buildContext: "../..",
    configRoot: "../k8s/base/config",
    secrets: admin,
  });
  const manifest = builderManifest(
    [collectorData(config, CONTAINERS)],
    imageVersion(config.components.collector.image),
  );
  const trees = {
    [PATHS.compose]: [yamlFile("compose.yaml", compose)],
    [PATHS.base]: renderBase({
      namespace: config.namespace,
      components: base,
      secrets: { [NAMES.grafana]: admin },
    }),
    [PATHS.local]: renderOverlay(overlay("local")),
    [PATHS.production]: renderOverlay({
      ...overlay("production", production),
      storageClass: config.overlays.production.storageClass,
      extras: renderProductionExtras(production, config.overlays.production),
    }),
    [PATHS.collectorBuilder]: [{
      path: "manifest.yaml",
      content: withHeader(
        source,
        commentedYaml(manifest, {
          dist:
            "A collector with only the components the generated config uses, for\nthe OpenTelemetry Collector Builder (go.opentelemetry.io/collector/cmd/builder\nat the same version): builder --config manifest.yaml",
        }),
      ),
    }],
  };
  return Object.entries(trees)
    .flatMap(([prefix, files]) => serialize(source, prefix, files))
    .sort(byPath);
}
