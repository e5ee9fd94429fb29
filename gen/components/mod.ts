/**
 * The stack's components, in start order: adding a backend is one module and
 * one line here. Compose, Kustomize and the native run render what they build.
 * @module
 */
import type { Component } from "../model.ts";
import { CONTAINERS, type Placement } from "../placement.ts";
import type { StackConfig } from "../types.ts";
import { app } from "./app.ts";
import { collector } from "./collector.ts";
import type { BuildContext, BuildTarget } from "./context.ts";
import { grafana } from "./grafana.ts";
import { loadgen } from "./loadgen.ts";
import { loki } from "./loki.ts";
import { prometheus } from "./prometheus.ts";
import { tempo } from "./tempo.ts";

const COMPONENTS = [prometheus, tempo, loki, collector, app, loadgen, grafana];

/** The stack's components on `target`, in start order. */
export function buildComponents(
  config: StackConfig,
  target: BuildTarget,
  source: string,
  placement: Placement = CONTAINERS,
): Component[] {
  const ctx: BuildContext = {
    config,
    target,
    placement,
    source,
    prod: target === "production" ? config.overlays.production : undefined,
    environment: config.environment[target === "base" ? "local" : target],
  };
  return COMPONENTS.flatMap((build) => build(ctx) ?? []);
}
