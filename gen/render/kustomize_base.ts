/**
 * The Kustomize base: the namespace, one file per component (Deployment,
 * Service, PersistentVolumeClaim), the config files, and a kustomization
 * whose `configMapGenerator` hashes each ConfigMap's name so a config
 * change rolls the pods that mount it.
 *
 * @module
 */
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { Component } from "../model.ts";
import {
  claim,
  deployment,
  podsService,
  secretName,
  service,
} from "./k8s_objects.ts";
import type { Rendered } from "./rendered.ts";

/** What the base needs besides the components. */
export interface BaseInput {
  readonly namespace: string;
  readonly components: readonly Component[];
  /** Literal Secret values per component (Grafana's admin), base only. */
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The label every object of the stack carries. */
export const PART_OF = "app.kubernetes.io/part-of";

/** Files of `deploy/k8s/base`, paths relative to it. */
export function renderBase(input: BaseInput): Rendered[] {
  const files: Rendered[] = [];
  const namespace: INamespace = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: input.namespace,
      labels: {
        // Every workload here runs non-root with no capabilities.
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    },
  };
  files.push({ path: "namespace.yaml", kind: "yaml", docs: [namespace] });
  for (const c of input.components) {
    const docs = [deployment(c), service(c), podsService(c), claim(c)].filter((
      d,
    ) => d !== undefined);
    files.push({ path: `${c.name}.yaml`, kind: "yaml", docs });
    for (const dir of c.configDirs) {
      for (const f of dir.files) {
        files.push({
          path: `config/${dir.dir}/${f.name}`,
          kind: "text",
          content: f.content,
        });
      }
    }
  }
  const configMaps = input.components.flatMap((c) =>
    c.configDirs.map((d) => ({
      name: d.name,
      files: d.files.map((f) => `config/${d.dir}/${f.name}`),
    }))
  );
  const secrets = Object.entries(input.secrets).map(([component, values]) => ({
    name: secretName(component),
    literals: Object.entries(values).map(([k, v]) => `${k}=${v}`),
  }));
  const kustomization: Record<string, unknown> = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace: input.namespace,
    labels: [{
      pairs: { [PART_OF]: input.namespace },
      includeSelectors: false,
    }],
    resources: [
      "namespace.yaml",
      ...input.components.map((c) => `${c.name}.yaml`),
    ],
    configMapGenerator: configMaps,
  };
  if (secrets.length > 0) kustomization.secretGenerator = secrets;
  files.push({
    path: "kustomization.yaml",
    kind: "yaml",
    docs: [kustomization],
  });
  return files;
}
