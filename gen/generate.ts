/**
 * The whole generator as one pure function: a validated config in, every
 * file of `deploy/` out. Nothing here touches the disk.
 *
 * @module
 */
import { buildComponents } from "./components/mod.ts";
import type { BuildTarget, Target } from "./components/context.ts";
import { credentialsOf } from "./components/grafana.ts";
import { NAMES } from "./names.ts";
import { assertValid } from "./validate.ts";
import type { GeneratedFile } from "./header.ts";
import { renderCompose } from "./render/compose.ts";
import { renderBase } from "./render/kustomize_base.ts";
import { renderOverlay } from "./render/overlay.ts";
import { renderProductionExtras } from "./render/production.ts";
import { serialize, withHeader } from "./serialize.ts";
import { collectorData } from "./components/collector.ts";
import { builderManifest } from "./components/collector_builder.ts";
import { commentedYaml } from "./commented.ts";
import { CONTAINERS } from "./placement.ts";
import { imageVersion } from "./units.ts";

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
  const compose = build("compose");
  const base = build("base");
  const local = build("local");
  const production = build("production");
  const prod = config.overlays.production;

  const secretsOf = (target: BuildTarget) => {
    const creds = credentialsOf(config, target);
    if (creds.kind !== "literal") {
      throw new Error(`${target} needs literal Grafana credentials`);
    }
    return { "admin-user": creds.user, "admin-password": creds.password };
  };

  const files: GeneratedFile[] = [];
  files.push(
    ...serialize(source, PATHS.compose, [{
      path: "compose.yaml",
      kind: "yaml",
      docs: [renderCompose(compose, {
        project: config.namespace,
        buildContext: "../..",
        configRoot: "../k8s/base/config",
        secrets: secretsOf("compose"),
      })],
    }]),
  );
  files.push(
    ...serialize(
      source,
      PATHS.base,
      renderBase({
        namespace: config.namespace,
        components: base,
        secrets: { [NAMES.grafana]: secretsOf("base") },
      }),
    ),
  );
  const credentials = (target: Target) => ({
    component: NAMES.grafana,
    base: credentialsOf(config, "base"),
    overlay: credentialsOf(config, target),
  });
  files.push(
    ...serialize(
      source,
      PATHS.local,
      renderOverlay({
        namespace: config.namespace,
        base,
        overlay: local,
        credentials: credentials("local"),
        extras: [],
      }),
    ),
  );
  files.push(
    ...serialize(
      source,
      PATHS.production,
      renderOverlay({
        namespace: config.namespace,
        base,
        overlay: production,
        credentials: credentials("production"),
        storageClass: prod.storageClass,
        extras: renderProductionExtras({
          components: production,
          ingressClass: prod.ingressClass,
          ingressNamespace: prod.ingressNamespace,
          ingress: [
            { component: NAMES.app, host: prod.ingress.app },
            { component: NAMES.grafana, host: prod.ingress.grafana },
          ],
          scaled: [
            { component: NAMES.app, ...prod.app },
            { component: NAMES.collector, ...prod.collector },
          ].filter((s) =>
            production.some((c) => c.name === s.component && c.autoscaled)
          ),
        }),
      }),
    ),
  );
  files.push({
    path: `${PATHS.collectorBuilder}/manifest.yaml`,
    content: withHeader(
      source,
      commentedYaml(
        builderManifest(
          [collectorData(config, CONTAINERS)],
          imageVersion(config.components.collector.image),
        ),
        {
          dist:
            "A collector with only the components the generated config uses, for\nthe OpenTelemetry Collector Builder (go.opentelemetry.io/collector/cmd/builder\nat the same version): builder --config manifest.yaml",
        },
      ),
    ),
  });
  return files.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}
