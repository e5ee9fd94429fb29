/**
 * Reading the generated deploy assets the way the stack test needs them:
 * which Compose service or Kubernetes Service plays which role (by image),
 * which host ports are published, how long readiness may take (from the
 * health checks and probes gen wrote), Grafana's credentials, and the
 * dashboards, alert rules and datasources provisioned. Pure functions over
 * parsed YAML/JSON; `targets.ts` does the reading.
 *
 * @module
 */
import { asArray, asRecord, asString } from "./checks.ts";

/** The part a service plays in the stack. */
export type Role =
  | "app"
  | "loadgen"
  | "collector"
  | "prometheus"
  | "tempo"
  | "loki"
  | "grafana";

/** A port of a service: the container's, and where it is reachable. */
export interface PortMapping {
  /** Container (target) port. */
  readonly container: number;
  /** Compose: published host port. Kubernetes: the Service port. */
  readonly exposed?: number;
}

/** A service found in the generated files. */
export interface FoundService {
  readonly role: Role;
  /** Compose service name, or Kubernetes Service name. */
  readonly name: string;
  readonly ports: readonly PortMapping[];
  /** Start-up budget derived from the health check or probes, if any. */
  readonly readyTimeoutMs?: number;
  /** Kubernetes workload kind and name. */
  readonly workload?: string;
}

/**
 * The role of a container from its image, command and service name;
 * `undefined` for anything else. loadgen runs the space-app image with the
 * `loadgen` command.
 */
export function roleOf(
  image: string,
  command: readonly string[],
  name: string,
): Role | undefined {
  const img = image.toLowerCase();
  if (img.includes("opentelemetry-collector")) return "collector";
  if (/(^|\/)prometheus(:|@|$)/.test(img)) return "prometheus";
  if (img.includes("grafana/tempo")) return "tempo";
  if (img.includes("grafana/loki")) return "loki";
  if (img.includes("grafana/grafana")) return "grafana";
  const isOurs = img.includes("space-app") || img === "" ||
    name.includes("space-app") || name.includes("loadgen");
  if (!isOurs) return undefined;
  if (command.includes("loadgen") || name.includes("loadgen")) return "loadgen";
  return "app";
}

/** A Go/Compose duration (`1m30s`, `10s`, `500ms`) in milliseconds. */
export function durationMs(text: string): number | undefined {
  const units: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1_000,
    ms: 1,
    us: 0.001,
    ns: 0.000001,
  };
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) {
    return undefined;
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
}

/**
 * Compose-style `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$`
 * substitution from `env`.
 */
export function interpolate(
  text: string,
  env: (name: string) => string | undefined,
): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced, op, arg, bare) => {
      if (whole === "$$") return "$";
      const name = braced ?? bare;
      const value = env(name);
      if (op === ":-") return value ? value : arg;
      if (op === "-") return value ?? arg;
      return value ?? "";
    },
  );
}

function commandList(value: unknown): string[] {
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean);
  return asArray(value).map((v) => String(v));
}

/** Compose `environment` (list of `K=V` or map) as a map. */
export function composeEnv(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = String(item);
      const eq = text.indexOf("=");
      if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(asRecord(value) ?? {})) {
      if (v !== null && v !== undefined) out[k] = String(v);
    }
  }
  return out;
}

/** Compose `ports` entries (short or long syntax) as mappings. */
export function composePorts(
  value: unknown,
  env: (name: string) => string | undefined,
): PortMapping[] {
  return asArray(value).flatMap((item): PortMapping[] => {
    const long = asRecord(item);
    if (long) {
      const container = Number(long.target);
      const published = long.published === undefined
        ? undefined
        : Number(interpolate(String(long.published), env));
      return Number.isInteger(container)
        ? [{ container, exposed: published }]
        : [];
    }
    const text = interpolate(String(item), env).replace(/\/(tcp|udp)$/, "");
    const parts = text.split(":");
    const container = Number(parts.at(-1));
    const host = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    if (!Number.isInteger(container)) return [];
    return [{
      container,
      exposed: host !== undefined && Number.isInteger(host) ? host : undefined,
    }];
  });
}

/**
 * Compose's start-up budget for a health check: `start_period` plus
 * `(interval + timeout) * retries` (spec defaults 0, 30 s, 30 s, 3).
 */
export function healthcheckBudgetMs(value: unknown): number | undefined {
  const hc = asRecord(value);
  if (!hc || hc.disable === true) return undefined;
  const d = (key: string, fallback: number) =>
    durationMs(asString(hc[key])) ?? fallback;
  const retries = typeof hc.retries === "number" ? hc.retries : 3;
  return d("start_period", 0) +
    (d("interval", 30_000) + d("timeout", 30_000)) * retries;
}

/** The services of a parsed Compose file that play a known role. */
export function composeServices(
  doc: unknown,
  env: (name: string) => string | undefined,
): FoundService[] {
  const services = asRecord(asRecord(doc)?.services) ?? {};
  return Object.entries(services).flatMap(([name, raw]): FoundService[] => {
    const svc = asRecord(raw) ?? {};
    const image = interpolate(asString(svc.image), env);
    const command = [
      ...commandList(svc.entrypoint),
      ...commandList(svc.command),
    ];
    const role = roleOf(image, command, name);
    if (!role) return [];
    return [{
      role,
      name,
      ports: composePorts(svc.ports, env),
      readyTimeoutMs: healthcheckBudgetMs(svc.healthcheck),
    }];
  });
}

/** Reads a file relative to the Compose file; `undefined` when unreadable. */
export type ReadText = (path: string) => string | undefined;

/** Grafana's admin user and password. */
export interface Credentials {
  readonly user: string;
  readonly password: string;
  /** Where they came from, for messages. */
  readonly source: string;
}

/**
 * Grafana's admin credentials from the Compose file: the grafana service's
 * `GF_SECURITY_ADMIN_USER` (default `admin`) and `GF_SECURITY_ADMIN_PASSWORD`,
 * or `GF_SECURITY_ADMIN_PASSWORD__FILE` resolved through the service's
 * `secrets` to a top-level secret's `file` or `environment`.
 */
export function composeGrafanaCredentials(
  doc: unknown,
  env: (name: string) => string | undefined,
  readText: ReadText,
): Credentials | undefined {
  const root = asRecord(doc) ?? {};
  const services = asRecord(root.services) ?? {};
  const entry = Object.entries(services).find(([name, raw]) =>
    roleOf(
      interpolate(asString(asRecord(raw)?.image), env),
      [],
      name,
    ) === "grafana"
  );
  if (!entry) return undefined;
  const svcEnv = composeEnv(asRecord(entry[1])?.environment);
  const user = interpolate(svcEnv.GF_SECURITY_ADMIN_USER ?? "admin", env);
  if (svcEnv.GF_SECURITY_ADMIN_PASSWORD !== undefined) {
    return {
      user,
      password: interpolate(svcEnv.GF_SECURITY_ADMIN_PASSWORD, env),
      source: `service ${entry[0]}: GF_SECURITY_ADMIN_PASSWORD`,
    };
  }
  const file = svcEnv.GF_SECURITY_ADMIN_PASSWORD__FILE;
  if (file === undefined) return undefined;
  const secrets = asRecord(root.secrets) ?? {};
  for (const ref of asArray(asRecord(entry[1])?.secrets)) {
    const source = typeof ref === "string"
      ? ref
      : asString(asRecord(ref)?.source);
    const target = typeof ref === "string"
      ? `/run/secrets/${ref}`
      : asString(asRecord(ref)?.target, `/run/secrets/${source}`);
    const mounted = target.startsWith("/") ? target : `/run/secrets/${target}`;
    if (mounted !== file) continue;
    const secret = asRecord(secrets[source]) ?? {};
    let text: string | undefined;
    if (typeof secret.file === "string") {
      text = readText(interpolate(secret.file, env));
    } else if (typeof secret.environment === "string") {
      text = env(secret.environment);
    }
    if (text !== undefined) {
      return {
        user,
        password: text.replace(/\r?\n$/, ""),
        source: `secret ${source}`,
      };
    }
  }
  return undefined;
}

/** Dashboards, alert rules and datasources found in provisioning files. */
export interface ProvisionedFound {
  readonly dashboards: { uid: string; title: string }[];
  readonly alertRules: { uid: string; title: string }[];
  readonly datasources: string[];
}

/**
 * What a set of parsed files provisions: dashboard JSON models (`uid`,
 * `title`, `panels`), alerting files (`groups[].rules[]` with `uid`) and
 * datasource files (`datasources[].uid`); each uid once, in file order.
 */
export function provisionedIn(docs: readonly unknown[]): ProvisionedFound {
  const dashboards = new Map<string, string>();
  const rules = new Map<string, string>();
  const datasources = new Set<string>();
  for (const doc of docs) {
    const d = asRecord(doc);
    if (!d) continue;
    if (
      typeof d.uid === "string" && typeof d.title === "string" &&
      Array.isArray(d.panels)
    ) {
      if (!dashboards.has(d.uid)) dashboards.set(d.uid, d.title);
    }
    for (const group of asArray(d.groups)) {
      for (const rule of asArray(asRecord(group)?.rules)) {
        const r = asRecord(rule);
        if (typeof r?.uid === "string" && !rules.has(r.uid)) {
          rules.set(r.uid, asString(r.title));
        }
      }
    }
    for (const ds of asArray(d.datasources)) {
      const uid = asRecord(ds)?.uid;
      if (typeof uid === "string") datasources.add(uid);
    }
  }
  return {
    dashboards: [...dashboards].map(([uid, title]) => ({ uid, title })),
    alertRules: [...rules].map(([uid, title]) => ({ uid, title })),
    datasources: [...datasources],
  };
}
