/**
 * space-app, and the OpenTelemetry environment of every process we run.
 * @module
 */
import type { EnvVar } from "../model.ts";
import { NAMES } from "../names.ts";
import type { StackConfig } from "../types.ts";
import { parseDuration } from "../../lib/duration.ts";
import * as kit from "./context.ts";

/** Our Dockerfile: distroless cc-debian13:nonroot, uid and gid 65532. */
export const APP_USER = { uid: 65532, gid: 65532 };

/** The image of a target: built here (Compose, base) or the overlay's. */
export function appImage(ctx: kit.BuildContext): string {
  const { config, target } = ctx;
  return target === "compose" || target === "base"
    ? config.components.app.image
    : config.overlays[target].appImage;
}

/** The local overlay's pull policy (the image is never pulled there). */
export function pullPolicy(ctx: kit.BuildContext) {
  return ctx.target === "local"
    ? ctx.config.overlays.local.imagePullPolicy
    : undefined;
}

export function telemetryEnv(
  ctx: kit.BuildContext,
  serviceName: string,
): EnvVar[] {
  const c: StackConfig["components"] = ctx.config.components;
  return [
    { name: "OTEL_SERVICE_NAME", value: serviceName },
    {
      name: "OTEL_RESOURCE_ATTRIBUTES",
      value:
        `service.namespace=${c.app.serviceNamespace},deployment.environment.name=${ctx.environment}`,
    },
    {
      name: "OTEL_EXPORTER_OTLP_ENDPOINT",
      value: `http://${
        ctx.placement.host("collector")
      }:${c.collector.ports.otlpHttp}`,
    },
    // Metrics as often as Prometheus would have scraped them.
    {
      name: "OTEL_METRIC_EXPORT_INTERVAL",
      value: String(parseDuration(c.prometheus.scrapeInterval)!),
    },
  ];
}

export const app: kit.ComponentModule = (ctx) => {
  const { config, prod } = ctx;
  const a = config.components.app;
  return kit.component({
    name: NAMES.app,
    description: "The instrumented Hono service (compiled Deno binary).",
    image: appImage(ctx),
    imagePullPolicy: pullPolicy(ctx),
    build: ctx.target === "compose",
    args: ["serve"],
    env: [
      { name: "PORT", value: String(a.port) },
      { name: "MAX_WORK_MS", value: String(a.maxWorkMs) },
      { name: "SHUTDOWN_TIMEOUT_MS", value: String(a.shutdownTimeoutMs) },
      { name: "SHUTDOWN_DRAIN_MS", value: String(a.shutdownDrainMs) },
      ...telemetryEnv(ctx, a.serviceName),
    ],
    ports: [kit.port("http", a.port, true)],
    health: kit.health({ port: a.port, path: "/readyz" }, 10, {
      alive: { port: a.port, path: "/healthz" },
      // The binary checks its own /healthz (the image has no shell).
      command: ["/app/space-app", "healthcheck"],
    }),
    resources: prod?.app.resources ?? a.resources,
    user: APP_USER,
    replicas: prod?.app.minReplicas ?? a.replicas,
    autoscaled: prod !== undefined,
    dependsOn: [{ component: NAMES.collector, condition: "service_started" }],
    terminationGraceSeconds: Math.ceil(a.shutdownTimeoutMs / 1000) + 5,
    clients: kit.allow(["outside", NAMES.loadgen], [a.port]),
  });
};
