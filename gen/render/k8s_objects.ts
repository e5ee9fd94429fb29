/**
 * Kubernetes objects for one component of the model: its Deployment,
 * Service and PersistentVolumeClaim, with probes, resources and a
 * restricted security context.
 *
 * @module
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type {
  IContainer,
  IEnvVar,
  IProbe,
  IServicePort,
  IVolume,
  IVolumeMount,
} from "kubernetes-models/v1";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IService } from "kubernetes-models/v1/Service";
import type { Component, EnvVar, HttpProbe, TcpProbe } from "../model.ts";

/** The label every object of a component carries and selectors match on. */
export const NAME_LABEL = "app.kubernetes.io/name";

/** The Secret generated in the base for a component's secret keys. */
export function secretName(component: string): string {
  return `${component}-admin`;
}

/** The ConfigMap generated for a config directory. */
export function configMapName(dirName: string): string {
  return dirName;
}

function labels(c: Component): Record<string, string> {
  return { [NAME_LABEL]: c.name };
}

function env(c: Component, e: EnvVar): IEnvVar {
  if ("value" in e) return { name: e.name, value: e.value };
  return {
    name: e.name,
    valueFrom: {
      secretKeyRef: { name: secretName(c.name), key: e.secretKey },
    },
  };
}

function httpGet(probe: HttpProbe): IProbe["httpGet"] {
  return { path: probe.path, port: probe.port };
}

/** The probe's action: an HTTP GET, or only a TCP connect. */
function action(probe: HttpProbe | TcpProbe): IProbe {
  return "tcpPort" in probe
    ? { tcpSocket: { port: probe.tcpPort } }
    : { httpGet: httpGet(probe) };
}

/** The container's startup, readiness and liveness probes. */
export function probes(
  c: Component,
): Pick<IContainer, "startupProbe" | "readinessProbe" | "livenessProbe"> {
  const h = c.health;
  if (!h) return {};
  const timing = {
    periodSeconds: h.intervalSeconds,
    timeoutSeconds: h.timeoutSeconds,
    failureThreshold: h.failureThreshold,
  };
  return {
    // Start-up gets its own budget so liveness can stay strict afterwards.
    startupProbe: {
      httpGet: httpGet(h.ready),
      periodSeconds: 2,
      timeoutSeconds: h.timeoutSeconds,
      failureThreshold: Math.max(1, Math.ceil(h.startSeconds / 2)),
    },
    readinessProbe: { httpGet: httpGet(h.ready), ...timing },
    livenessProbe: { ...action(h.alive ?? h.ready), ...timing },
  };
}

function resources(c: Component): IContainer["resources"] {
  const limits: Record<string, string> = { memory: c.resources.limits.memory };
  if (c.resources.limits.cpu) limits.cpu = c.resources.limits.cpu;
  return {
    requests: { ...c.resources.requests },
    limits,
  };
}

/**
 * The replica count, left out where it is Kubernetes' default of one or an
 * autoscaler owns it.
 */
export function replicas(c: Component): { replicas?: number } {
  return c.autoscaled || c.replicas === 1 ? {} : { replicas: c.replicas };
}

/** The component's Deployment. */
export function deployment(c: Component): IDeployment {
  const mounts: IVolumeMount[] = c.configDirs.map((d) => ({
    name: d.name,
    mountPath: d.mountPath,
    readOnly: true,
  }));
  const volumes: IVolume[] = c.configDirs.map((d) => ({
    name: d.name,
    configMap: { name: configMapName(d.name) },
  }));
  if (c.volume) {
    mounts.push({ name: "data", mountPath: c.volume.mountPath });
    volumes.push({
      name: "data",
      persistentVolumeClaim: { claimName: c.volume.name },
    });
  }
  for (const [i, path] of ["/tmp", ...c.scratchDirs].entries()) {
    const name = i === 0 ? "tmp" : `scratch-${i}`;
    mounts.push({ name, mountPath: path });
    volumes.push({ name, emptyDir: {} });
  }

  const container: IContainer = {
    name: c.name,
    image: c.image,
  };
  if (c.imagePullPolicy) container.imagePullPolicy = c.imagePullPolicy;
  if (c.args.length > 0) container.args = [...c.args];
  if (c.env.length > 0) container.env = c.env.map((e) => env(c, e));
  if (c.ports.length > 0) {
    container.ports = c.ports.map((p) => ({
      name: p.name,
      containerPort: p.port,
      protocol: "TCP",
    }));
  }
  Object.assign(container, probes(c));
  container.resources = resources(c);
  container.securityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem,
    capabilities: { drop: ["ALL"] },
  };
  container.volumeMounts = mounts;

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
            ...(c.volume ? { fsGroupChangePolicy: "OnRootMismatch" } : {}),
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [container],
          volumes,
        },
      },
    },
  };
}

function servicePorts(c: Component): IServicePort[] {
  return c.ports.map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.name,
    protocol: "TCP",
  }));
}

/** The component's Service, or none when it listens on nothing. */
export function service(c: Component): IService | undefined {
  if (c.ports.length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: c.name, labels: labels(c) },
    spec: {
      type: "ClusterIP",
      selector: labels(c),
      ports: servicePorts(c),
    },
  };
}

/** A headless Service resolving to every pod, when the component asks for one. */
export function podsService(c: Component): IService | undefined {
  if (!c.podsAlias || c.ports.length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: c.podsAlias, labels: labels(c) },
    spec: {
      clusterIP: "None",
      selector: labels(c),
      ports: servicePorts(c),
    },
  };
}

/** The component's claim for its data volume, if it keeps data. */
export function claim(c: Component): IPersistentVolumeClaim | undefined {
  if (!c.volume) return undefined;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: c.volume.name, labels: labels(c) },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: c.volume.size } },
    },
  };
}
