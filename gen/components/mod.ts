/**
 * The stack's components, in start order: adding a backend is one module
 * and one line here. Compose, the Kustomize base and overlays, and the
 * native run are all rendered from what these build.
 *
 * @module
 */
import type { Component } from "../model.ts";
import { CONTAINERS, type Placement } from "../placement.ts";
import type { StackConfig } from "../types.ts";
import { app } from "./app.ts";
import { collector } from "./collector.ts";
import {
  buildContext,
  type BuildTarget,
  type ComponentModule,
} from "./context.ts";
import { grafana } from "./grafana.ts";
import { loadgen } from "./loadgen.ts";
import { loki } from "./loki.ts";
import { prometheus } from "./prometheus.ts";
import { tempo } from "./tempo.ts";

/** Every component module, in start order. */
export const COMPONENTS: readonly ComponentModule[] = [
  prometheus,
  tempo,
  loki,
  collector,
  app,
  loadgen,
  grafana,
];

/** The stack's components on `target`, in start order. */
export function buildComponents(
  config: StackConfig,
  target: BuildTarget,
  source: string,
  placement: Placement = CONTAINERS,
): Component[] {
  const ctx = buildContext(config, target, placement, source);
  return COMPONENTS.flatMap((m) => m.build(ctx) ?? []);
}
