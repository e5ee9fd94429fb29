/**
 * The load generator: space-app's image running its `loadgen` command.
 * @module
 */
import { NAMES } from "../names.ts";
import { APP_USER, appImage, telemetryEnv } from "./app.ts";
import * as kit from "./context.ts";

export const loadgen: kit.ComponentModule = (ctx) => {
  const c = ctx.config.components;
  const l = c.loadgen;
  if (!l.enabled) return undefined;
  return kit.component({
    name: NAMES.loadgen,
    description:
      "Synthetic traffic for space-app from the same image (loadgen command).",
    ...appImage(ctx),
    args: [
      "loadgen",
      ...["--target", `http://${ctx.placement.host("app")}:${c.app.port}`],
      ...["--rate", String(l.rate), "--concurrency", String(l.concurrency)],
      ...["--mix", l.mix, "--work-ms", l.workMs],
    ],
    env: telemetryEnv(ctx, l.serviceName),
    resources: l.resources,
    user: APP_USER,
    dependsOn: kit.afterHealthy("app"),
  });
};
