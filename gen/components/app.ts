/**
 * space-app, and the OpenTelemetry environment of every process we run.
 * @module
 */
import { NAMES } from "../names.ts";
import { parseDuration } from "../../lib/duration.ts";
import * as kit from "./context.ts";

/** Our Dockerfile: distroless cc-debian13:nonroot, uid and gid 65532. */
export const APP_USER = { uid: 65532, gid: 65532 };

/**
 * The image of a target, built here (Compose, base) or the overlay's, and
 * the local overlay's pull policy (the image is never pulled there).
 */
export function appImage({ config, target }: kit.BuildContext) {
  const { local } = config.overlays;
  return {
    image: target === "compose" || target === "base"
      ? config.components.app.image
      : config.overlays[target].appImage,
    imagePullPolicy: target === "local" ? local.imagePullPolicy : undefined,
  };
}

/** The OpenTelemetry environment of every process we run. */
export function telemetryEnv(ctx: kit.BuildContext, serviceName: string) {
  const c = ctx.config.components;
  const collector = ctx.placement.host("collector");
  return kit.env({
    OTEL_SERVICE_NAME: serviceName,
    OTEL_RESOURCE_ATTRIBUTES:
      `service.namespace=${c.app.serviceNamespace},deployment.environment.name=${ctx.environment}`,
    OTEL_EXPORTER_OTLP_ENDPOINT:
      `http://${collector}:${c.collector.ports.otlpHttp}`,
    // Metrics as often as Prometheus would have scraped them.
    OTEL_METRIC_EXPORT_INTERVAL: String(
      parseDuration(c.prometheus.scrapeInterval)!,
    ),
  });
}

export const app: kit.ComponentModule = (ctx) => {
  const { config, prod } = ctx;
  const a = config.components.app;
  return kit.component({
    name: NAMES.app,
    description: "The instrumented Hono service (compiled Deno binary).",
    ...appImage(ctx),
    build: ctx.target === "compose",
    args: ["serve"],
    env: [
      ...kit.env({
        PORT: String(a.port),
        MAX_WORK_MS: String(a.maxWorkMs),
        SHUTDOWN_TIMEOUT_MS: String(a.shutdownTimeoutMs),
        SHUTDOWN_DRAIN_MS: String(a.shutdownDrainMs),
      }),
      ...telemetryEnv(ctx, a.serviceName),
    ],
    ports: [kit.port("http", a.port, true)],
    health: {
      ready: { port: a.port, path: "/readyz" },
      startSeconds: 10,
      alive: { port: a.port, path: "/healthz" },
      // The binary checks its own /healthz (the image has no shell).
      command: ["/app/space-app", "healthcheck"],
    },
    resources: prod?.app.resources ?? a.resources,
    user: APP_USER,
    replicas: prod?.app.minReplicas ?? a.replicas,
    autoscaled: prod !== undefined,
    dependsOn: [{ component: NAMES.collector, condition: "service_started" }],
    terminationGraceSeconds: Math.ceil(a.shutdownTimeoutMs / 1000) + 5,
    clients: kit.allow(["outside", NAMES.loadgen], [a.port]),
  });
};
