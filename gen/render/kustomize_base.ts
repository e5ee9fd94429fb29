/**
 * The Kustomize base: the namespace; per component a Deployment (probes,
 * resources, a restricted security context), Services and a claim; the
 * config files as generated ConfigMaps (hashed names: a change rolls pods).
 * @module
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type * as v1 from "kubernetes-models/v1";
import type { Component, HttpProbe, TcpProbe } from "../model.ts";
import { named, type Rendered, yamlFile } from "../serialize.ts";

/** Every probe after start-up: Compose's health checks too. */
export const PROBE = {
  periodSeconds: 10,
  timeoutSeconds: 3,
  failureThreshold: 3,
};

/** The label every object of a component carries and selectors match on. */
export const NAME_LABEL = "app.kubernetes.io/name";

/** The Secret generated in the base for a component's secret keys. */
export const secretName = (component: string) => `${component}-admin`;

/** Variable `name` from key `key` of Secret `secret`. */
export const secretEnv = (name: string, secret: string, key: string) => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

const labels = (c: Component) => ({ [NAME_LABEL]: c.name });
const httpGet = (p: HttpProbe) => ({ httpGet: { path: p.path, port: p.port } });
/** The probe's action: an HTTP GET, or only a TCP connect. */
const action = (p: HttpProbe | TcpProbe): v1.IProbe =>
  "tcpPort" in p ? { tcpSocket: { port: p.tcpPort } } : httpGet(p);

export function probes(c: Component) {
  const h = c.health;
  if (!h) return {};
  return {
    // Start-up gets its own budget so liveness can stay strict afterwards.
    startupProbe: {
      ...httpGet(h.ready),
      periodSeconds: 2,
      timeoutSeconds: PROBE.timeoutSeconds,
      failureThreshold: Math.max(1, Math.ceil(h.startSeconds / 2)),
    },
    readinessProbe: { ...httpGet(h.ready), ...PROBE },
    livenessProbe: { ...action(h.alive ?? h.ready), ...PROBE },
  };
}

/** The replica count, unless it is the default of one or autoscaled. */
export function replicas(c: Component): { replicas?: number } {
  return c.autoscaled || c.replicas === 1 ? {} : { replicas: c.replicas };
}

export function deployment(c: Component): IDeployment {
  const mounts: v1.IVolumeMount[] = [];
  const volumes: v1.IVolume[] = [];
  const mount = (volume: v1.IVolume, mountPath: string, readOnly?: true) => {
    mounts.push({ name: volume.name, mountPath, readOnly });
    volumes.push(volume);
  };
  for (const d of c.configDirs) {
    mount({ name: d.name, configMap: { name: d.name } }, d.mountPath, true);
  }
  if (c.volume) {
    const { name: claimName, mountPath } = c.volume;
    mount({ name: "data", persistentVolumeClaim: { claimName } }, mountPath);
  }
  mount({ name: "tmp", emptyDir: {} }, "/tmp");
  const { requests, limits } = c.resources;
  const container: v1.IContainer = {
    name: c.name,
    image: c.image,
    ...(c.imagePullPolicy && { imagePullPolicy: c.imagePullPolicy }),
    ...(c.args.length > 0 && { args: [...c.args] }),
    ...(c.env.length > 0 && {
      env: c.env.map((e) =>
        "value" in e ? e : secretEnv(e.name, secretName(c.name), e.secretKey)
      ),
    }),
    ...(c.ports.length > 0 && {
      ports: c.ports.map((p) => ({
        name: p.name,
        containerPort: p.port,
        protocol: "TCP",
      })),
    }),
    ...probes(c),
    resources: {
      requests: { ...requests },
      limits: { memory: limits.memory, ...(limits.cpu && { cpu: limits.cpu }) },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      // Nothing is written outside the volumes and /tmp.
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: mounts,
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: c.name,
      labels: labels(c),
      annotations: { "kubernetes.io/description": c.description },
    },
    spec: {
      ...replicas(c),
      selector: { matchLabels: labels(c) },
      strategy: c.recreate ? { type: "Recreate" } : {
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
      },
      template: {
        metadata: { labels: labels(c) },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: c.terminationGraceSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: c.user.uid,
            runAsGroup: c.user.gid,
            fsGroup: c.user.gid,
            // Change a volume's ownership once, not on every start.
            ...(c.volume && { fsGroupChangePolicy: "OnRootMismatch" }),
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [container],
          volumes,
        },
      },
    },
  };
}

/** A Service for the component's ports, and a headless one for its pods alias. */
function services(c: Component): v1.IService[] {
  const service = (name: string, headless: boolean): v1.IService => ({
    ...named("v1", "Service", name, labels(c)),
    spec: {
      ...(headless ? { clusterIP: "None" } : { type: "ClusterIP" }),
      selector: labels(c),
      ports: c.ports.map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.name,
        protocol: "TCP",
      })),
    },
  });
  if (c.ports.length === 0) return [];
  const pods = c.podsAlias ? [service(c.podsAlias, true)] : [];
  return [service(c.name, false), ...pods];
}

function claim(c: Component): v1.IPersistentVolumeClaim[] {
  if (!c.volume) return [];
  return [{
    ...named("v1", "PersistentVolumeClaim", c.volume.name, labels(c)),
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: c.volume.size } },
    },
  }];
}

export interface BaseInput {
  readonly namespace: string;
  readonly components: readonly Component[];
  /** Literal Secret values per component (Grafana's admin), base only. */
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Files of `deploy/k8s/base`, relative to it. */
export function renderBase(input: BaseInput): Rendered[] {
  const namespace: v1.INamespace = named("v1", "Namespace", input.namespace, {
    // Every workload here runs non-root with no capabilities.
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
  });
  const dirs = input.components.flatMap((c) => c.configDirs);
  const path = (dir: string, file: string) => `config/${dir}/${file}`;
  const secrets = Object.entries(input.secrets).map(([component, values]) => ({
    name: secretName(component),
    literals: Object.entries(values).map(([k, v]) => `${k}=${v}`),
  }));
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace: input.namespace,
    labels: [{
      pairs: { "app.kubernetes.io/part-of": input.namespace },
      includeSelectors: false,
    }],
    resources: [
      "namespace.yaml",
      ...input.components.map((c) => `${c.name}.yaml`),
    ],
    configMapGenerator: dirs.map((d) => ({
      name: d.name,
      files: d.files.map((f) => path(d.dir, f.name)),
    })),
    ...(secrets.length > 0 && { secretGenerator: secrets }),
  };
  return [
    yamlFile("namespace.yaml", namespace),
    ...input.components.flatMap((c) => [
      yamlFile(`${c.name}.yaml`, deployment(c), ...services(c), ...claim(c)),
      ...c.configDirs.flatMap((d) =>
        d.files.map((f) => ({ path: path(d.dir, f.name), content: f.content }))
      ),
    ]),
    yamlFile("kustomization.yaml", kustomization),
  ];
}
