/**
 * A Kustomize overlay as the difference between the base's components and
 * the overlay's: `images` entries, strategic-merge patches of Deployments
 * and claims; what it adds on top (Ingress, autoscaling...) are extra files.
 * @module
 */
import type { Component } from "../model.ts";
import { named, type Rendered, yamlFile } from "../serialize.ts";
import type { GrafanaCredentials } from "../types.ts";
import { parseImage } from "../units.ts";
import { probes, replicas, secretEnv, secretName } from "./kustomize_base.ts";

export interface OverlayInput {
  /** The base's covers only its resources: the extras need their own. */
  readonly namespace: string;
  readonly base: readonly Component[];
  readonly overlay: readonly Component[];
  /** Where Grafana's admin Secret comes from. */
  readonly credentials: {
    readonly component: string;
    readonly base: GrafanaCredentials;
    readonly overlay: GrafanaCredentials;
  };
  /** For every claim. */
  readonly storageClass?: string;
  readonly extras: readonly Rendered[];
}

type Obj = Record<string, unknown>;

const same = (a: unknown, b: unknown) =>
  JSON.stringify(a) === JSON.stringify(b);

/** `patches/<file>.yaml` patching `object`, unless `spec` is empty. */
function patch(file: string, object: Obj, spec: Obj): Rendered[] {
  if (Object.keys(spec).length === 0) return [];
  return [yamlFile(`patches/${file}.yaml`, { ...object, spec })];
}

const containerPatch = (name: string, container: Obj) => ({
  template: { spec: { containers: [{ name, ...container }] } },
});

function deploymentPatch(base: Component, next: Component) {
  const container: Obj = {};
  const changedEnv = next.env.filter((e) => !base.env.some((b) => same(b, e)));
  if (changedEnv.some((e) => !("value" in e))) {
    throw new Error(`overlay: secret env of ${next.name} cannot be patched`);
  }
  if (changedEnv.length > 0) container.env = changedEnv;
  if (next.imagePullPolicy !== base.imagePullPolicy && next.imagePullPolicy) {
    container.imagePullPolicy = next.imagePullPolicy;
  }
  if (!same(next.health, base.health)) Object.assign(container, probes(next));
  if (!same(next.resources, base.resources)) {
    container.resources = next.resources;
  }
  const spec: Obj = {};
  const after = replicas(next).replicas;
  // null deletes the field (strategic merge), handing it to the autoscaler.
  if (replicas(base).replicas !== after) spec.replicas = after ?? null;
  if (next.recreate !== base.recreate) {
    spec.strategy = next.recreate
      ? { type: "Recreate", rollingUpdate: null }
      : { type: "RollingUpdate" };
  }
  if (Object.keys(container).length > 0) {
    Object.assign(spec, containerPatch(next.name, container));
  }
  return patch(next.name, named("apps/v1", "Deployment", next.name), spec);
}

function claimPatch(base: Component, next: Component, storageClass?: string) {
  if (!next.volume || !base.volume) return [];
  const spec: Obj = {};
  if (storageClass) spec.storageClassName = storageClass;
  if (next.volume.size !== base.volume.size) {
    spec.resources = { requests: { storage: next.volume.size } };
  }
  const { name } = next.volume;
  const claim = named("v1", "PersistentVolumeClaim", name);
  return patch(`${name}-claim`, claim, spec);
}

/** The `images` entry that turns image `before` into `next`. */
function imageChange(before: string, next: string) {
  const from = parseImage(before);
  const to = parseImage(next);
  if (!from || !to) throw new Error(`overlay: bad image ${next}`);
  return {
    name: from.repository,
    ...(to.repository !== from.repository && { newName: to.repository }),
    ...(to.tag && { newTag: to.tag }),
    ...(to.digest && { digest: to.digest }),
  };
}

/** Patches that point Grafana at another Secret, or replace its literals. */
function credentialPatches(
  input: OverlayInput,
): { patches: Rendered[]; secretGenerator?: Obj[] } {
  const { component, base, overlay } = input.credentials;
  if (same(base, overlay)) return { patches: [] };
  const name = secretName(component);
  if (overlay.kind === "literal") {
    const { user, password } = overlay;
    const literals = [`admin-user=${user}`, `admin-password=${password}`];
    const secretGenerator = [{ name, behavior: "replace", literals }];
    return { patches: [], secretGenerator };
  }
  const target = input.overlay.find((c) => c.name === component);
  const env = (target?.env ?? []).flatMap((e) =>
    "secretKey" in e ? [secretEnv(e.name, overlay.secretName, e.secretKey)] : []
  );
  return {
    patches: [
      yamlFile(`patches/${name}-secret-delete.yaml`, {
        // The generated literal Secret must not reach this cluster.
        $patch: "delete",
        ...named("v1", "Secret", name),
      }),
      ...patch(
        `${component}-credentials`,
        named("apps/v1", "Deployment", component),
        containerPatch(component, { env }),
      ),
    ],
  };
}

/** Files of one overlay directory, relative to it. */
export function renderOverlay(input: OverlayInput): Rendered[] {
  const base = new Map(input.base.map((c) => [c.name, c]));
  const patches: Rendered[] = [];
  // By base repository: the app and the load generator share an image.
  const images = new Map<string, Obj>();
  for (const next of input.overlay) {
    const before = base.get(next.name);
    if (!before) throw new Error(`overlay: ${next.name} is not in the base`);
    if (before.image !== next.image) {
      const change = imageChange(before.image, next.image);
      images.set(change.name, change);
    }
    patches.push(
      ...deploymentPatch(before, next),
      ...claimPatch(before, next, input.storageClass),
    );
  }
  const { patches: secrets, secretGenerator } = credentialPatches(input);
  patches.push(...secrets);
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace: input.namespace,
    resources: ["../../base", ...input.extras.map((f) => f.path)],
    ...(images.size > 0 && { images: [...images.values()] }),
    ...(patches.length > 0 &&
      { patches: patches.map(({ path }) => ({ path })) }),
    ...(secretGenerator && { secretGenerator }),
  };
  return [
    yamlFile("kustomization.yaml", kustomization),
    ...patches,
    ...input.extras,
  ];
}
