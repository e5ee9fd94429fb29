/**
 * The stack, as `deno task gen` renders it. Edit the values here (types:
 * `types.ts`, rules: `validate.ts`), or keep them and pass `deno task gen
 * --config your.ts` (see `gen/main.ts`).
 * @module
 */
import { VERSION } from "../version.ts";
import type { Resources, StackConfig } from "./types.ts";

const resources = (cpu: string, memory: string, cpuMax: string, max: string) =>
  ({
    requests: { cpu, memory },
    limits: { cpu: cpuMax, memory: max },
  }) satisfies Resources;

/** The image tag Compose and the local overlay build from the Dockerfile. */
export const LOCAL_APP_IMAGE = `space-app:${VERSION}`;

/** Grafana's admin on Compose and the local overlay; production must name a Secret. */
const LOCAL_ADMIN = {
  kind: "literal",
  user: "admin",
  password: "space-app-local",
} as const;

export const STACK: StackConfig = {
  namespace: "space-app",
  environment: { compose: "compose", local: "local", production: "production" },
  components: {
    app: {
      image: LOCAL_APP_IMAGE,
      port: 8000,
      replicas: 1,
      serviceName: "space-app",
      serviceNamespace: "demo",
      maxWorkMs: 10_000,
      shutdownTimeoutMs: 10_000,
      shutdownDrainMs: 5_000,
      resources: resources("100m", "128Mi", "1", "256Mi"),
    },
    loadgen: {
      enabled: true,
      serviceName: "loadgen",
      rate: 5,
      concurrency: 50,
      mix: "/:80,/work:19,/error:1",
      workMs: "100-500",
      resources: resources("50m", "64Mi", "500m", "128Mi"),
    },
    collector: {
      image: "otel/opentelemetry-collector-contrib:0.159.0",
      replicas: 1,
      ports: {
        otlpGrpc: 4317,
        otlpHttp: 4318,
        selfMetrics: 8888,
        healthCheck: 13133,
      },
      batch: { timeout: "1s", sendBatchSize: 8192 },
      tailSampling: {
        enabled: false,
        decisionWait: "10s",
        latencyThresholdMs: 500,
        keepPercent: 10,
      },
      resources: resources("100m", "256Mi", "1", "512Mi"),
    },
    prometheus: {
      image: "prom/prometheus:v3.14.0",
      port: 9090,
      scrapeInterval: "15s",
      retention: "15d",
      storage: "10Gi",
      resources: resources("200m", "512Mi", "1", "1Gi"),
    },
    tempo: {
      image: "grafana/tempo:3.0.3",
      port: 3200,
      grpcPort: 9095,
      otlpGrpcPort: 4317,
      otlpHttpPort: 4318,
      retention: "14d",
      storage: "10Gi",
      resources: resources("200m", "512Mi", "1", "1Gi"),
    },
    loki: {
      image: "grafana/loki:3.7.6",
      port: 3100,
      grpcPort: 9096,
      retention: "14d",
      storage: "10Gi",
      resources: resources("200m", "256Mi", "1", "1Gi"),
    },
    grafana: {
      image: "grafana/grafana:13.2.0",
      port: 3000,
      storage: "1Gi",
      credentials: LOCAL_ADMIN,
      anonymousViewer: true,
      alerts: {
        errorRatePercent: 5,
        p95LatencyMs: 500,
        noTelemetryFor: "5m",
        evaluateEvery: "1m",
      },
      notify: { kind: "none" },
      // Grafana 13 runs each bundled datasource as its own plugin process.
      resources: resources("100m", "256Mi", "1", "1Gi"),
    },
  },
  overlays: {
    local: {
      appImage: LOCAL_APP_IMAGE,
      imagePullPolicy: "IfNotPresent",
      credentials: LOCAL_ADMIN,
    },
    production: {
      // example.com names are placeholders by RFC 2606: set your own before
      // applying (README, "Kubernetes: production").
      appImage: `registry.example.com/space-app:${VERSION}`,
      storageClass: "standard",
      ingressClass: "nginx",
      ingressNamespace: "ingress-nginx",
      ingress: {
        app: { host: "space-app.example.com", tlsSecret: "space-app-tls" },
        grafana: { host: "grafana.example.com", tlsSecret: "grafana-tls" },
      },
      credentials: { kind: "secret", secretName: "grafana-admin" },
      app: {
        minReplicas: 2,
        maxReplicas: 6,
        targetCpuPercent: 70,
        resources: resources("250m", "192Mi", "2", "384Mi"),
      },
      collector: {
        minReplicas: 2,
        maxReplicas: 4,
        targetCpuPercent: 70,
        resources: resources("250m", "512Mi", "2", "1Gi"),
      },
      storage: {
        prometheus: "50Gi",
        tempo: "50Gi",
        loki: "50Gi",
        grafana: "5Gi",
      },
    },
  },
};
