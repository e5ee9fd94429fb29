/**
 * What the stack test brings up and what it expects to find: compose file,
 * overlay, services with their ports and readiness endpoints, Grafana
 * credentials and provisioned objects. PROVISIONAL: `gen/` is not there yet;
 * these values will be read from its typed config.
 *
 * @module
 */
import type { Expectations } from "./run.ts";

/** One service of the stack as the test reaches it. */
export interface ServiceTarget {
  /** Compose service name, and Kubernetes Service/workload name. */
  readonly name: string;
  /** The port the test queries (the API port). */
  readonly port: number;
  /** The port published on the host by Compose for `port`. */
  readonly hostPort: number;
  /** Readiness path, served on `readyPort` (default `port`). */
  readonly readyPath: string;
  readonly readyPort?: number;
  /** Host port for `readyPort` under Compose. */
  readonly readyHostPort?: number;
  /** How long readiness may take. */
  readonly readyTimeoutMs: number;
  /** Kubernetes workload kind. */
  readonly workload: "deployment" | "statefulset";
}

/** The services the checks query, by role. */
export interface StackServices {
  readonly app: ServiceTarget;
  readonly collector: ServiceTarget;
  readonly prometheus: ServiceTarget;
  readonly tempo: ServiceTarget;
  readonly loki: ServiceTarget;
  readonly grafana: ServiceTarget;
}

/** Everything the compose and k8s runners need. */
export interface StackTargets {
  /** Generated Compose file, relative to the repository root. */
  readonly composeFile: string;
  /** Compose project name used by the test (its own volumes, never the user's). */
  readonly composeProject: string;
  /** Kustomize overlay directory of the local cluster. */
  readonly k8sOverlay: string;
  readonly k8sNamespace: string;
  readonly services: StackServices;
  /** Other workloads to wait for (loadgen). */
  readonly extraWorkloads: readonly string[];
  readonly expectations: Expectations;
  /** Default time for telemetry to arrive. */
  readonly ingestTimeoutMs: number;
}

/** The targets of the generated deploy assets. */
export function stackTargets(): StackTargets {
  const svc = (
    name: string,
    port: number,
    readyPath: string,
    readyTimeoutMs: number,
    extra: Partial<ServiceTarget> = {},
  ): ServiceTarget => ({
    name,
    port,
    hostPort: port,
    readyPath,
    readyTimeoutMs,
    workload: "deployment",
    ...extra,
  });
  return {
    composeFile: "deploy/compose/compose.yaml",
    composeProject: "space-app-stack-test",
    k8sOverlay: "deploy/k8s/overlays/local",
    k8sNamespace: "space-app",
    services: {
      app: svc("space-app", 8000, "/readyz", 60_000),
      collector: svc("otel-collector", 4318, "/", 60_000, {
        readyPort: 13133,
        readyHostPort: 13133,
      }),
      prometheus: svc("prometheus", 9090, "/-/ready", 120_000, {
        workload: "statefulset",
      }),
      tempo: svc("tempo", 3200, "/ready", 120_000, { workload: "statefulset" }),
      loki: svc("loki", 3100, "/ready", 120_000, { workload: "statefulset" }),
      grafana: svc("grafana", 3000, "/api/health", 120_000),
    },
    extraWorkloads: ["loadgen"],
    expectations: {
      service: "space-app",
      namespace: "demo",
      loadgen: "loadgen",
      grafanaUser: "admin",
      grafanaPassword: "admin",
      datasources: ["prometheus", "tempo", "loki"],
      dashboards: [],
      alertRules: [],
    },
    ingestTimeoutMs: 180_000,
  };
}
