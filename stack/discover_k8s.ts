/**
 * Reading a rendered Kustomize overlay (`kubectl kustomize <dir>`, parsed):
 * the namespace, which Service fronts which role (by the image of the
 * workload it selects), the Service ports, the start-up budget of each
 * workload's probes, and Grafana's admin credentials from its Secret.
 *
 * @module
 */
import { asArray, asRecord, asString, asStringMap } from "./checks.ts";
import {
  type Credentials,
  type FoundService,
  type PortMapping,
  roleOf,
} from "./discover.ts";

type Obj = Record<string, unknown>;

function objects(docs: readonly unknown[], kind: string): Obj[] {
  return docs.flatMap((d) => {
    const o = asRecord(d);
    return o && o.kind === kind ? [o] : [];
  });
}

function metaName(o: Obj): string {
  return asString(asRecord(o.metadata)?.name);
}

/** The namespace the overlay's namespaced objects live in. */
export function k8sNamespace(docs: readonly unknown[]): string | undefined {
  for (const d of docs) {
    const ns = asString(asRecord(asRecord(d)?.metadata)?.namespace);
    if (ns) return ns;
  }
  const namespaces = objects(docs, "Namespace");
  return namespaces.length === 1 ? metaName(namespaces[0]) : undefined;
}

/** A workload with its pod template's first container. */
interface Workload {
  readonly ref: string;
  readonly labels: Record<string, string>;
  readonly container: Obj;
  readonly pod: Obj;
}

function workloads(docs: readonly unknown[]): Workload[] {
  return ["Deployment", "StatefulSet", "DaemonSet"].flatMap((kind) =>
    objects(docs, kind).flatMap((o): Workload[] => {
      const template = asRecord(asRecord(o.spec)?.template) ?? {};
      const pod = asRecord(template.spec) ?? {};
      const container = asRecord(asArray(pod.containers)[0]);
      if (!container) return [];
      return [{
        ref: `${kind.toLowerCase()}/${metaName(o)}`,
        labels: asStringMap(asRecord(template.metadata)?.labels),
        container,
        pod,
      }];
    })
  );
}

/**
 * The start-up budget of a container's probes: startup probe if any, else
 * readiness, `initialDelaySeconds + periodSeconds * failureThreshold`
 * (Kubernetes defaults 0, 10, 3).
 */
export function probeBudgetMs(container: Obj): number | undefined {
  const probe = asRecord(container.startupProbe) ??
    asRecord(container.readinessProbe);
  if (!probe) return undefined;
  const n = (key: string, fallback: number) =>
    typeof probe[key] === "number" ? probe[key] as number : fallback;
  return (n("initialDelaySeconds", 0) +
    n("periodSeconds", 10) * n("failureThreshold", 3)) * 1000;
}

function containerPort(container: Obj, target: unknown): number | undefined {
  if (typeof target === "number") return target;
  for (const p of asArray(container.ports)) {
    const port = asRecord(p) ?? {};
    if (port.name === target && typeof port.containerPort === "number") {
      return port.containerPort;
    }
  }
  return typeof target === "string" && /^\d+$/.test(target)
    ? Number(target)
    : undefined;
}

/** Services whose selector picks a workload playing a known role. */
export function k8sServices(docs: readonly unknown[]): FoundService[] {
  const all = workloads(docs);
  return objects(docs, "Service").flatMap((svc): FoundService[] => {
    const spec = asRecord(svc.spec) ?? {};
    const selector = asStringMap(spec.selector);
    const keys = Object.keys(selector);
    if (keys.length === 0) return [];
    const w = all.find((w) => keys.every((k) => w.labels[k] === selector[k]));
    if (!w) return [];
    const role = roleOf(
      asString(w.container.image),
      [
        ...asArray(w.container.command).map(String),
        ...asArray(w.container.args).map(String),
      ],
      metaName(svc),
    );
    if (!role) return [];
    const ports = asArray(spec.ports).flatMap((p): PortMapping[] => {
      const port = asRecord(p) ?? {};
      if (typeof port.port !== "number") return [];
      const container = containerPort(
        w.container,
        port.targetPort ?? port.port,
      );
      return container === undefined ? [] : [{ container, exposed: port.port }];
    });
    return [{
      role,
      name: metaName(svc),
      ports,
      readyTimeoutMs: probeBudgetMs(w.container),
      workload: w.ref,
    }];
  });
}

/** Workloads of a role that no Service fronts (loadgen). */
export function k8sWorkloadsOf(
  docs: readonly unknown[],
  role: string,
): string[] {
  return workloads(docs).filter((w) =>
    roleOf(
      asString(w.container.image),
      [
        ...asArray(w.container.command).map(String),
        ...asArray(w.container.args).map(String),
      ],
      w.ref.split("/")[1],
    ) === role
  ).map((w) => w.ref);
}

function secretValue(
  docs: readonly unknown[],
  name: string,
  key: string,
): string | undefined {
  const secret = objects(docs, "Secret").find((s) => metaName(s) === name);
  if (!secret) return undefined;
  const plain = asStringMap(secret.stringData)[key];
  if (plain !== undefined) return plain;
  const encoded = asStringMap(secret.data)[key];
  if (encoded === undefined) return undefined;
  const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function envValue(docs: readonly unknown[], w: Workload, name: string) {
  for (const e of asArray(w.container.env)) {
    const env = asRecord(e) ?? {};
    if (env.name !== name) continue;
    if (typeof env.value === "string") return env.value;
    const ref = asRecord(asRecord(env.valueFrom)?.secretKeyRef);
    if (ref) return secretValue(docs, asString(ref.name), asString(ref.key));
  }
  for (const from of asArray(w.container.envFrom)) {
    const ref = asRecord(asRecord(from)?.secretRef);
    if (!ref) continue;
    const value = secretValue(docs, asString(ref.name), name);
    if (value !== undefined) return value;
  }
  return undefined;
}

function mountedSecretFile(
  docs: readonly unknown[],
  w: Workload,
  path: string,
) {
  for (const m of asArray(w.container.volumeMounts)) {
    const mount = asRecord(m) ?? {};
    const dir = asString(mount.mountPath).replace(/\/$/, "");
    if (!dir || !path.startsWith(`${dir}/`)) continue;
    const volume = asArray(w.pod.volumes).map(asRecord).find((v) =>
      v?.name === mount.name
    );
    const secretName = asString(asRecord(volume?.secret)?.secretName);
    if (secretName) {
      return secretValue(docs, secretName, path.slice(dir.length + 1));
    }
  }
  return undefined;
}

/**
 * Grafana's admin credentials from the overlay: the grafana container's
 * `GF_SECURITY_ADMIN_USER`/`_PASSWORD` (plain, `secretKeyRef` or `envFrom`),
 * or `GF_SECURITY_ADMIN_PASSWORD__FILE` on a mounted Secret.
 */
export function k8sGrafanaCredentials(
  docs: readonly unknown[],
): Credentials | undefined {
  const w = workloads(docs).find((w) =>
    roleOf(asString(w.container.image), [], w.ref) === "grafana"
  );
  if (!w) return undefined;
  const user = envValue(docs, w, "GF_SECURITY_ADMIN_USER") ?? "admin";
  const password = envValue(docs, w, "GF_SECURITY_ADMIN_PASSWORD");
  if (password !== undefined) {
    return { user, password, source: `${w.ref}: GF_SECURITY_ADMIN_PASSWORD` };
  }
  const file = envValue(docs, w, "GF_SECURITY_ADMIN_PASSWORD__FILE");
  const fromFile = file ? mountedSecretFile(docs, w, file) : undefined;
  return fromFile === undefined ? undefined : {
    user,
    password: fromFile.replace(/\r?\n$/, ""),
    source: `${w.ref}: ${file}`,
  };
}
