/**
 * What the stack test brings up and what it expects to find, read from the
 * generated deploy assets: the Compose file (or the rendered local overlay),
 * which service plays which role, where each is reachable, readiness
 * budgets from the health checks and probes gen wrote, Grafana's
 * credentials, and the provisioned datasources, dashboards and alert rules.
 *
 * The constants below are the fallbacks and fixed facts (upstream API ports
 * and readiness paths of the pinned images). `gen/` had no typed config to
 * import when this was written; reading its output instead keeps the test
 * honest about what was really generated.
 *
 * @module
 */
import { parse, parseAllDocuments } from "yaml";
import { asRecord } from "./checks.ts";
import {
  composeEnv,
  composeGrafanaCredentials,
  composeServices,
  type Credentials,
  type FoundService,
  interpolate,
  provisionedIn,
  type Role,
} from "./discover.ts";
import type { Expectations } from "./run.ts";

/** Compose files gen may write, first existing wins. */
export const COMPOSE_FILES: readonly string[] = [
  "deploy/compose/compose.yaml",
  "deploy/compose/docker-compose.yaml",
  "deploy/compose.yaml",
  "deploy/docker-compose.yaml",
];
/** Compose project of the test: its own containers and volumes, never the user's. */
export const COMPOSE_PROJECT = "space-app-stack-test";
/** The local Kustomize overlay. */
export const K8S_OVERLAY = "deploy/k8s/overlays/local";
/** Where provisioning files are searched for. */
export const DEPLOY_DIR = "deploy";

/** `service.name` and `service.namespace` defaults (as `SERVICE_DEFAULTS` in main.ts). */
export const SERVICE_NAME = "space-app";
/** See {@link SERVICE_NAME}. */
export const SERVICE_NAMESPACE = "demo";
/** `service.name` of the load generator when its environment does not say. */
export const LOADGEN_NAME = "loadgen";
/** Datasource uids when no provisioning file is found (reference/grafana.md). */
export const DATASOURCE_UIDS: readonly string[] = [
  "prometheus",
  "tempo",
  "loki",
];
/** Readiness budget of a service whose health check or probe gives none. */
export const DEFAULT_READY_TIMEOUT_MS = 120_000;
/** Least readiness budget, whatever the health check says (image start, WAL replay). */
export const MIN_READY_TIMEOUT_MS = 60_000;
/** How long the checks wait for telemetry to arrive (tail sampling waits 30 s). */
export const INGEST_TIMEOUT_MS = 180_000;
/** Environment variables that override Grafana's credentials. */
export const GRAFANA_ENV = {
  user: "STACK_GRAFANA_USER",
  password: "STACK_GRAFANA_PASSWORD",
} as const;

/** The roles the checks reach over HTTP, with each image's API port and readiness path. */
export const ROLE_PORTS = {
  app: { port: 8000, readyPort: 8000, readyPath: "/readyz" },
  collector: { port: 4318, readyPort: 13133, readyPath: "/" },
  prometheus: { port: 9090, readyPort: 9090, readyPath: "/-/ready" },
  tempo: { port: 3200, readyPort: 3200, readyPath: "/ready" },
  loki: { port: 3100, readyPort: 3100, readyPath: "/ready" },
  grafana: { port: 3000, readyPort: 3000, readyPath: "/api/health" },
} as const;

/** A role the checks reach over HTTP. */
export type HttpRole = keyof typeof ROLE_PORTS;

/** One service of the stack as the test reaches it. */
export interface ServiceTarget {
  readonly role: HttpRole;
  /** Compose service name, or Kubernetes Service name. */
  readonly name: string;
  /**
   * Where the API is reached: the published host port (Compose) or the
   * Service port (Kubernetes); undefined when not exposed.
   */
  readonly port?: number;
  /** Readiness endpoint (port as `port`); undefined when not exposed. */
  readonly ready?: { readonly port: number; readonly path: string };
  readonly readyTimeoutMs: number;
  /** Kubernetes workload (`deployment/grafana`). */
  readonly workload?: string;
}

/** The services the checks query, by role. */
export type StackServices = { readonly [R in HttpRole]: ServiceTarget };

/** Everything the compose and k8s runners need. */
export interface StackTargets {
  /** Compose file, relative to the repository root. */
  readonly composeFile: string;
  readonly composeProject: string;
  readonly k8sOverlay: string;
  readonly k8sNamespace: string;
  readonly services: StackServices;
  /** Other workloads to wait for under Kubernetes (loadgen). */
  readonly extraWorkloads: readonly string[];
  readonly expectations: Expectations;
  readonly ingestTimeoutMs: number;
  /** Where the Grafana credentials came from. */
  readonly credentialsSource: string;
  /** Kubernetes: the image of the space-app workload (built and loaded locally). */
  readonly appImage?: string;
}

/** Targets, or the reasons they cannot be built (each one line). */
export type TargetsResult =
  | { readonly ok: true; readonly targets: StackTargets }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Environment lookup. */
export type Env = (name: string) => string | undefined;

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** `KEY=value` lines of a Compose `.env` file. */
export function dotenv(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? "").split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
  }
  return out;
}

/** Every JSON/YAML document under `dir` (unparseable files skipped). */
export function documentsUnder(dir: string): unknown[] {
  const docs: unknown[] = [];
  const walk = (path: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(path)];
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = `${path}/${e.name}`;
      if (e.isDirectory) walk(full);
      else if (/\.json$/.test(e.name)) {
        try {
          docs.push(JSON.parse(readText(full) ?? ""));
        } catch { /* not JSON */ }
      } else if (/\.ya?ml$/.test(e.name)) {
        try {
          for (const d of parseAllDocuments(readText(full) ?? "")) {
            if (!("errors" in d) || d.errors.length === 0) docs.push(d.toJS());
          }
        } catch { /* not YAML */ }
      }
    }
  };
  walk(dir);
  return docs;
}

/** `service.name` and `service.namespace` from a service's OTEL_* environment. */
export function resourceNames(
  env: Record<string, string>,
): { name?: string; namespace?: string } {
  const attrs: Record<string, string> = {};
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) {
      attrs[pair.slice(0, eq).trim()] = decodeURIComponent(
        pair.slice(eq + 1).trim(),
      );
    }
  }
  return {
    name: env.OTEL_SERVICE_NAME ?? attrs["service.name"],
    namespace: attrs["service.namespace"],
  };
}

function serviceTarget(
  role: HttpRole,
  found: FoundService | undefined,
): ServiceTarget {
  const fixed = ROLE_PORTS[role];
  const exposed = (container: number) =>
    found?.ports.find((p) => p.container === container)?.exposed;
  const readyPort = exposed(fixed.readyPort);
  return {
    role,
    name: found?.name ?? role,
    port: exposed(fixed.port),
    ready: readyPort === undefined
      ? undefined
      : { port: readyPort, path: fixed.readyPath },
    readyTimeoutMs: Math.max(
      found?.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      MIN_READY_TIMEOUT_MS,
    ),
    workload: found?.workload,
  };
}

/** Builds the per-role targets; missing roles or unexposed API ports are problems. */
export function servicesFrom(
  found: readonly FoundService[],
  where: string,
): { services: StackServices; problems: string[] } {
  const problems: string[] = [];
  const pick = (role: HttpRole) => {
    const f = found.find((s) => s.role === role);
    if (!f) problems.push(`${where}: no service runs the ${role} image`);
    const t = serviceTarget(role, f);
    if (f && role !== "collector" && t.port === undefined) {
      problems.push(
        `${where}: ${t.name} does not expose port ${
          ROLE_PORTS[role].port
        }, which the checks query`,
      );
    }
    return t;
  };
  const services: StackServices = {
    app: pick("app"),
    collector: pick("collector"),
    prometheus: pick("prometheus"),
    tempo: pick("tempo"),
    loki: pick("loki"),
    grafana: pick("grafana"),
  };
  return { services, problems };
}

/** The expectations of a stack from its deploy documents and services' environments. */
export function expectations(
  deployDocs: readonly unknown[],
  appEnv: Record<string, string>,
  loadgenEnv: Record<string, string>,
  credentials: Credentials,
): Expectations {
  const provisioned = provisionedIn(deployDocs);
  const app = resourceNames(appEnv);
  return {
    service: app.name ?? SERVICE_NAME,
    namespace: app.namespace ?? SERVICE_NAMESPACE,
    loadgen: resourceNames(loadgenEnv).name ?? LOADGEN_NAME,
    grafanaUser: credentials.user,
    grafanaPassword: credentials.password,
    datasources: provisioned.datasources.length > 0
      ? provisioned.datasources
      : DATASOURCE_UIDS,
    dashboards: provisioned.dashboards,
    alertRules: provisioned.alertRules,
  };
}

/** Found credentials, with `STACK_GRAFANA_*` overrides, else Grafana's default. */
export function credentialsWithOverrides(
  found: Credentials | undefined,
  env: Env,
): Credentials {
  const user = env(GRAFANA_ENV.user);
  const password = env(GRAFANA_ENV.password);
  if (password !== undefined) {
    return {
      user: user ?? found?.user ?? "admin",
      password,
      source: `$${GRAFANA_ENV.password}`,
    };
  }
  return found ?? {
    user: user ?? "admin",
    password: "admin",
    source:
      `Grafana's default (no credentials found; set $${GRAFANA_ENV.password})`,
  };
}

/** The targets of the generated Compose file under `root`. */
export function composeTargets(root: string, env: Env): TargetsResult {
  const file = COMPOSE_FILES.find((f) =>
    readText(`${root}/${f}`) !== undefined
  );
  if (!file) {
    return {
      ok: false,
      problems: [
        `no Compose file (looked for ${
          COMPOSE_FILES.join(", ")
        }): run \`deno task gen\` to write deploy/`,
      ],
    };
  }
  const dir = `${root}/${file}`.replace(/\/[^/]+$/, "");
  const vars = dotenv(readText(`${dir}/.env`));
  const lookup: Env = (name) => env(name) ?? vars[name];
  let doc: unknown;
  try {
    doc = parse(readText(`${root}/${file}`) ?? "");
  } catch (error) {
    return {
      ok: false,
      problems: [`${file}: not valid YAML: ${(error as Error).message}`],
    };
  }
  const found = composeServices(doc, lookup);
  const { services, problems } = servicesFrom(found, file);
  if (problems.length > 0) return { ok: false, problems };
  const svcEnv = (role: Role) => {
    const name = found.find((f) => f.role === role)?.name;
    const raw = asRecord(asRecord(asRecord(doc)?.services)?.[name ?? ""]);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(composeEnv(raw?.environment))) {
      out[k] = interpolate(v, lookup);
    }
    return out;
  };
  const credentials = credentialsWithOverrides(
    composeGrafanaCredentials(
      doc,
      lookup,
      (p) => readText(p.startsWith("/") ? p : `${dir}/${p}`),
    ),
    env,
  );
  return {
    ok: true,
    targets: {
      composeFile: file,
      composeProject: COMPOSE_PROJECT,
      k8sOverlay: K8S_OVERLAY,
      k8sNamespace: "",
      services,
      extraWorkloads: [],
      expectations: expectations(
        documentsUnder(`${root}/${DEPLOY_DIR}`),
        svcEnv("app"),
        svcEnv("loadgen"),
        credentials,
      ),
      ingestTimeoutMs: INGEST_TIMEOUT_MS,
      credentialsSource: credentials.source,
    },
  };
}
