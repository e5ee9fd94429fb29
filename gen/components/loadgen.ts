/**
 * The load generator: space-app's own image running its `loadgen`
 * command against space-app, traced as its own service.
 *
 * @module
 */
import type { Component } from "../model.ts";
import { NAMES } from "../names.ts";
import { APP_USER, appImage, pullPolicy, telemetryEnv } from "./app.ts";
import type { BuildContext, ComponentModule } from "./context.ts";

/** The load generator, where the config enables it. */
export const loadgen: ComponentModule = {
  name: "loadgen",
  build(ctx: BuildContext): Component | undefined {
    const c = ctx.config.components;
    const l = c.loadgen;
    if (!l.enabled) return undefined;
    return {
      name: NAMES.loadgen,
      description:
        "Synthetic traffic for space-app from the same image (loadgen command).",
      image: appImage(ctx),
      imagePullPolicy: pullPolicy(ctx),
      build: false,
      args: [
        "loadgen",
        "--target",
        `http://${ctx.placement.host("app")}:${c.app.port}`,
        "--rate",
        String(l.rate),
        "--concurrency",
        String(l.concurrency),
        "--mix",
        l.mix,
        "--work-ms",
        l.workMs,
      ],
      env: telemetryEnv(ctx, l.serviceName),
      ports: [],
      configDirs: [],
      resources: l.resources,
      user: APP_USER,
      readOnlyRootFilesystem: true,
      replicas: 1,
      autoscaled: false,
      recreate: false,
      scratchDirs: [],
      dependsOn: [{ component: NAMES.app, condition: "service_healthy" }],
      terminationGraceSeconds: 30,
      clients: [],
    };
  },
};
