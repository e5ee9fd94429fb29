/**
 * A Kustomize overlay computed as the difference between the base's
 * components and the overlay's: a changed image becomes an `images` entry,
 * a changed environment variable, pull policy, resource or replica count a
 * strategic-merge patch of that Deployment, a changed volume size a patch
 * of its claim. Whatever an overlay adds on top (Ingress, autoscaling,
 * NetworkPolicies) comes in as extra files.
 *
 * @module
 */
import type { GrafanaCredentials } from "../types.ts";
import { parseImage } from "../units.ts";
import type { Component } from "../model.ts";
import { probes, replicas, secretName } from "./k8s_objects.ts";
import type { Rendered } from "./rendered.ts";

/** What an overlay renders from. */
export interface OverlayInput {
  /**
   * The stack's namespace. The base's `namespace` covers only the base's
   * resources: without its own, what the overlay adds (Ingress, autoscalers,
   * NetworkPolicies) would land in the current context's namespace.
   */
  readonly namespace: string;
  readonly base: readonly Component[];
  readonly overlay: readonly Component[];
  /** Where the Grafana admin Secret comes from in this overlay. */
  readonly credentials: {
    readonly component: string;
    readonly base: GrafanaCredentials;
    readonly overlay: GrafanaCredentials;
  };
  /** Storage class for every claim, if the overlay sets one. */
  readonly storageClass?: string;
  /** Extra resources (files) the overlay adds. */
  readonly extras: readonly Rendered[];
}

function byName(list: readonly Component[]): Map<string, Component> {
  return new Map(list.map((c) => [c.name, c]));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Strategic-merge patch of one Deployment, or undefined when nothing differs. */
function deploymentPatch(
  base: Component,
  next: Component,
): Record<string, unknown> | undefined {
  const container: Record<string, unknown> = { name: next.name };
  const changedEnv = next.env.filter((e) => !base.env.some((b) => same(b, e)));
  if (changedEnv.some((e) => !("value" in e))) {
    throw new Error(`overlay: secret env of ${next.name} cannot be patched`);
  }
  if (changedEnv.length > 0) {
    container.env = changedEnv.map((e) => ({
      name: e.name,
      value: "value" in e ? e.value : "",
    }));
  }
  if (next.imagePullPolicy !== base.imagePullPolicy && next.imagePullPolicy) {
    container.imagePullPolicy = next.imagePullPolicy;
  }
  if (!same(next.health, base.health)) Object.assign(container, probes(next));
  if (!same(next.resources, base.resources)) {
    container.resources = {
      requests: { ...next.resources.requests },
      limits: { ...next.resources.limits },
    };
  }
  const spec: Record<string, unknown> = {};
  const before = replicas(base).replicas;
  const after = replicas(next).replicas;
  // null deletes the field (strategic merge), handing it to the autoscaler.
  if (before !== after) spec.replicas = after ?? null;
  if (next.recreate !== base.recreate) {
    spec.strategy = next.recreate
      ? { type: "Recreate", rollingUpdate: null }
      : { type: "RollingUpdate" };
  }
  if (Object.keys(container).length > 1) {
    spec.template = { spec: { containers: [container] } };
  }
  if (Object.keys(spec).length === 0) return undefined;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: next.name },
    spec,
  };
}

function claimPatch(
  base: Component,
  next: Component,
  storageClass: string | undefined,
): Record<string, unknown> | undefined {
  if (!next.volume || !base.volume) return undefined;
  const spec: Record<string, unknown> = {};
  if (storageClass) spec.storageClassName = storageClass;
  if (next.volume.size !== base.volume.size) {
    spec.resources = { requests: { storage: next.volume.size } };
  }
  if (Object.keys(spec).length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: next.volume.name },
    spec,
  };
}

/** `images` entries for images the overlay changes, by base repository. */
function imageChanges(input: OverlayInput): Record<string, string>[] {
  const base = byName(input.base);
  const out = new Map<string, Record<string, string>>();
  for (const next of input.overlay) {
    const before = base.get(next.name);
    if (!before || before.image === next.image) continue;
    const from = parseImage(before.image);
    const to = parseImage(next.image);
    if (!from || !to) throw new Error(`overlay: bad image ${next.image}`);
    const entry: Record<string, string> = { name: from.repository };
    if (to.repository !== from.repository) entry.newName = to.repository;
    if (to.tag) entry.newTag = to.tag;
    if (to.digest) entry.digest = to.digest;
    out.set(from.repository, entry);
  }
  return [...out.values()];
}

/** Patches that point Grafana at another Secret, or replace its literals. */
function credentialPatches(
  input: OverlayInput,
): { patches: Rendered[]; secretGenerator?: Record<string, unknown>[] } {
  const { component, base, overlay } = input.credentials;
  if (same(base, overlay)) return { patches: [] };
  const name = secretName(component);
  if (overlay.kind === "literal") {
    return {
      patches: [],
      secretGenerator: [{
        name,
        behavior: "replace",
        literals: [
          `admin-user=${overlay.user}`,
          `admin-password=${overlay.password}`,
        ],
      }],
    };
  }
  const target = byName(input.overlay).get(component);
  const secretEnv = (target?.env ?? []).filter((e) => !("value" in e));
  return {
    patches: [
      {
        path: `patches/${name}-secret-delete.yaml`,
        kind: "yaml",
        docs: [{
          // The generated literal Secret must not reach this cluster.
          $patch: "delete",
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name },
        }],
      },
      {
        path: `patches/${component}-credentials.yaml`,
        kind: "yaml",
        docs: [{
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: component },
          spec: {
            template: {
              spec: {
                containers: [{
                  name: component,
                  env: secretEnv.map((e) => ({
                    name: e.name,
                    valueFrom: {
                      secretKeyRef: {
                        name: overlay.secretName,
                        key: "secretKey" in e ? e.secretKey : "",
                      },
                    },
                  })),
                }],
              },
            },
          },
        }],
      },
    ],
  };
}

/** Files of one overlay directory, paths relative to it. */
export function renderOverlay(input: OverlayInput): Rendered[] {
  const base = byName(input.base);
  const patches: Rendered[] = [];
  for (const next of input.overlay) {
    const before = base.get(next.name);
    if (!before) throw new Error(`overlay: ${next.name} is not in the base`);
    const deployment = deploymentPatch(before, next);
    if (deployment) {
      patches.push({
        path: `patches/${next.name}.yaml`,
        kind: "yaml",
        docs: [deployment],
      });
    }
    const claim = claimPatch(before, next, input.storageClass);
    if (claim) {
      patches.push({
        path: `patches/${next.volume!.name}-claim.yaml`,
        kind: "yaml",
        docs: [claim],
      });
    }
  }
  const credentials = credentialPatches(input);
  patches.push(...credentials.patches);

  const kustomization: Record<string, unknown> = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace: input.namespace,
    resources: ["../../base", ...input.extras.map((f) => f.path)],
  };
  const images = imageChanges(input);
  if (images.length > 0) kustomization.images = images;
  if (patches.length > 0) {
    kustomization.patches = patches.map((p) => ({ path: p.path }));
  }
  if (credentials.secretGenerator) {
    kustomization.secretGenerator = credentials.secretGenerator;
  }
  return [
    { path: "kustomization.yaml", kind: "yaml", docs: [kustomization] },
    ...patches,
    ...input.extras,
  ];
}
