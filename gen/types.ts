/**
 * The typed config every deploy asset is generated from: one value of
 * {@link StackConfig}, whose defaults live in `defaults.ts` and whose rules
 * live in `validate.ts`.
 *
 * Durations use Prometheus/Go notation (`30s`, `15m`, `336h`, `15d`);
 * quantities use Kubernetes notation (`512Mi`, `10Gi`, `250m` CPU).
 *
 * @module
 */

/** CPU and memory for one container, Kubernetes quantities. */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

/** What every workload of the stack has. */
export interface WorkloadConfig {
  /** `repository:tag`, optionally `@sha256:...`. */
  readonly image: string;
  readonly resources: Resources;
}

/** A backend that keeps data on a volume. */
export interface StoredWorkloadConfig extends WorkloadConfig {
  /** Size of its persistent volume claim. */
  readonly storage: string;
  /** How long data is kept. */
  readonly retention: string;
}

/** The space-app service. */
export interface AppConfig extends WorkloadConfig {
  /** Listening port inside the container and the published port. */
  readonly port: number;
  readonly replicas: number;
  /** `service.name` and `service.namespace` of its telemetry. */
  readonly serviceName: string;
  readonly serviceNamespace: string;
  /** Upper bound of `/work?ms=`. */
  readonly maxWorkMs: number;
  /** Bounded shutdown: drain, finish in-flight requests, flush telemetry. */
  readonly shutdownTimeoutMs: number;
  /**
   * After SIGTERM, how long `/readyz` answers 503 while requests are still
   * served, so endpoints and Ingress upstreams drop the pod first.
   */
  readonly shutdownDrainMs: number;
}

/** The load generator (same image as the app, `loadgen` command). */
export interface LoadgenConfig {
  readonly enabled: boolean;
  readonly serviceName: string;
  /** Requests per second. */
  readonly rate: number;
  /** Cap on requests in flight. */
  readonly concurrency: number;
  /** Route mix, `/:80,/work:19,/error:1`. */
  readonly mix: string;
  /** `/work` durations drawn from this range, `100-500`. */
  readonly workMs: string;
  readonly resources: Resources;
}

/** Tail-based sampling in the collector. */
export interface TailSamplingConfig {
  readonly enabled: boolean;
  /** How long the collector waits for a trace's spans before deciding. */
  readonly decisionWait: string;
  /** Traces slower than this are always kept. */
  readonly latencyThresholdMs: number;
  /** Share of the remaining (fast, successful) traces kept. */
  readonly keepPercent: number;
}

/** The OpenTelemetry Collector. */
export interface CollectorConfig extends WorkloadConfig {
  readonly replicas: number;
  readonly ports: {
    readonly otlpGrpc: number;
    readonly otlpHttp: number;
    /** The collector's own metrics, scraped by Prometheus. */
    readonly selfMetrics: number;
    readonly healthCheck: number;
  };
  readonly batch: { readonly timeout: string; readonly sendBatchSize: number };
  readonly tailSampling: TailSamplingConfig;
}

/** Prometheus. */
export interface PrometheusConfig extends StoredWorkloadConfig {
  readonly port: number;
  readonly scrapeInterval: string;
}

/** Tempo (single binary). */
export interface TempoConfig extends StoredWorkloadConfig {
  /** HTTP API (Grafana, queries, readiness). */
  readonly port: number;
  /** Internal gRPC server. */
  readonly grpcPort: number;
  /** Its own OTLP receivers, fed by the collector. */
  readonly otlpGrpcPort: number;
  readonly otlpHttpPort: number;
}

/** Loki (single binary). */
export interface LokiConfig extends StoredWorkloadConfig {
  /** HTTP API (OTLP ingestion, Grafana, readiness). */
  readonly port: number;
  /** Internal gRPC server. */
  readonly grpcPort: number;
}

/** Where Grafana's admin credentials come from. */
export type GrafanaCredentials =
  /** A password written into the generated files: for local use only. */
  | {
    readonly kind: "literal";
    readonly user: string;
    readonly password: string;
  }
  /** An existing Kubernetes Secret with keys `admin-user` and `admin-password`. */
  | { readonly kind: "secret"; readonly secretName: string };

/** Thresholds of the provisioned alert rules. */
export interface AlertsConfig {
  /** Error ratio over 5 minutes above this percentage fires. */
  readonly errorRatePercent: number;
  /** p95 latency over 5 minutes above this fires. */
  readonly p95LatencyMs: number;
  /** No telemetry for this long fires. */
  readonly noTelemetryFor: string;
  /** How often the rules are evaluated. */
  readonly evaluateEvery: string;
}

/**
 * Where firing alerts are sent. With `none` they show in Grafana's alerting
 * pages only: Grafana's built-in receiver is an e-mail address that no
 * server delivers to unless SMTP is configured.
 */
export type AlertNotifier =
  | { readonly kind: "none" }
  /** A JSON POST of Grafana's webhook payload to this URL for every notification. */
  | { readonly kind: "webhook"; readonly url: string };

/** Grafana. */
export interface GrafanaConfig extends WorkloadConfig {
  readonly port: number;
  readonly storage: string;
  readonly credentials: GrafanaCredentials;
  /** Let visitors browse without logging in, as Viewer. */
  readonly anonymousViewer: boolean;
  readonly alerts: AlertsConfig;
  readonly notify: AlertNotifier;
}

/** Every component of the stack. */
export interface ComponentsConfig {
  readonly app: AppConfig;
  readonly loadgen: LoadgenConfig;
  readonly collector: CollectorConfig;
  readonly prometheus: PrometheusConfig;
  readonly tempo: TempoConfig;
  readonly loki: LokiConfig;
  readonly grafana: GrafanaConfig;
}

/** Kubernetes overlay for a local cluster (kind, k3d, minikube). */
export interface LocalOverlayConfig {
  /** The image `docker build` tagged and the cluster was given (`kind load`). */
  readonly appImage: string;
  /** `IfNotPresent` or `Never`: the image is local, never pulled. */
  readonly imagePullPolicy: "IfNotPresent" | "Never";
  readonly credentials: GrafanaCredentials;
}

/** A host name served by the production Ingress. */
export interface IngressHost {
  readonly host: string;
  /** TLS secret holding the host's certificate. */
  readonly tlsSecret: string;
}

/** Kubernetes overlay for a production cluster. */
export interface ProductionOverlayConfig {
  /** The released image in a registry. */
  readonly appImage: string;
  readonly storageClass: string;
  readonly ingressClass: string;
  /**
   * The namespace the Ingress controller runs in: the only one whose pods
   * may open connections to the app and Grafana.
   */
  readonly ingressNamespace: string;
  readonly ingress: {
    readonly app: IngressHost;
    readonly grafana: IngressHost;
  };
  readonly credentials: GrafanaCredentials;
  readonly app: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCpuPercent: number;
    readonly resources: Resources;
  };
  readonly collector: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCpuPercent: number;
    readonly resources: Resources;
  };
  /** Persistent volume sizes in production. */
  readonly storage: {
    readonly prometheus: string;
    readonly tempo: string;
    readonly loki: string;
    readonly grafana: string;
  };
}

/** The whole stack. */
export interface StackConfig {
  /** Kubernetes namespace and Compose project name. */
  readonly namespace: string;
  /** `deployment.environment.name` of the telemetry, per target. */
  readonly environment: {
    readonly compose: string;
    readonly local: string;
    readonly production: string;
  };
  readonly components: ComponentsConfig;
  readonly overlays: {
    readonly local: LocalOverlayConfig;
    readonly production: ProductionOverlayConfig;
  };
}
