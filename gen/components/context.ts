/**
 * What every component module shares: the context a component is built in
 * (config, target, placement), the module interface, and the small helpers
 * each of them uses (check timing, start-up budgets, memory limits, config
 * files with their generated header).
 *
 * @module
 */
import { generatedHeader } from "../header.ts";
import type { Component, ConfigDir } from "../model.ts";
import type { ComponentName, Placement } from "../placement.ts";
import type {
  ProductionOverlayConfig,
  Resources,
  StackConfig,
} from "../types.ts";
import { parseBytes } from "../units.ts";

/** Where a set of components runs. */
export type Target = "compose" | "local" | "production";

/**
 * The Kustomize base: the local cluster's settings without the local
 * overlay's image and pull policy, so the base alone is applicable.
 */
export type BuildTarget = Target | "base";

/** Everything a component module builds from. */
export interface BuildContext {
  readonly config: StackConfig;
  readonly target: BuildTarget;
  readonly placement: Placement;
  /** Where the config came from, for the generated header. */
  readonly source: string;
  /** The production overlay's settings, on that target only. */
  readonly prod?: ProductionOverlayConfig;
  /** `deployment.environment.name` of the target. */
  readonly environment: string;
}

/** One component of the stack: adding a backend is one of these. */
export interface ComponentModule {
  readonly name: ComponentName;
  /** Its model on a target; undefined when the config leaves it out. */
  build(ctx: BuildContext): Component | undefined;
}

/** The context of `target`. */
export function buildContext(
  config: StackConfig,
  target: BuildTarget,
  placement: Placement,
  source: string,
): BuildContext {
  return {
    config,
    target,
    placement,
    source,
    prod: target === "production" ? config.overlays.production : undefined,
    environment: config.environment[target === "base" ? "local" : target],
  };
}

/** How often and how patiently every health check runs. */
export const CHECK_TIMING = {
  intervalSeconds: 10,
  timeoutSeconds: 3,
  failureThreshold: 3,
} as const;

/**
 * A start-up budget, seconds: one minute, or `production` seconds on that
 * target, where volumes hold more to replay (a WAL) or migrate.
 */
export function startBudget(ctx: BuildContext, production: number): number {
  return ctx.target === "production" ? production : 60;
}

/**
 * `GOMEMLIMIT` for a Go server: 80% of its container's memory limit, so
 * the garbage collector works harder before the kernel kills the process.
 */
export function goMemLimit(resources: Resources) {
  const bytes = parseBytes(resources.limits.memory)!;
  return {
    name: "GOMEMLIMIT",
    value: `${Math.floor((bytes * 0.8) / 2 ** 20)}MiB`,
  };
}

/**
 * A config directory: one ConfigMap in Kubernetes (generated, so a change
 * rolls the pods), one read-only bind mount in Compose. YAML files get the
 * generated header; JSON has no comments.
 */
export function configDir(
  ctx: BuildContext,
  name: string,
  dir: string,
  mountPath: string,
  files: readonly { name: string; content: string }[],
): ConfigDir {
  const header = generatedHeader(ctx.source);
  return {
    name,
    dir,
    mountPath,
    files: files.map((f) => ({
      name: f.name,
      content: f.name.endsWith(".json") ? f.content : `${header}\n${f.content}`,
    })),
  };
}

/**
 * A container health check that GETs `url` with busybox `wget`. Use
 * 127.0.0.1, not localhost: wget may try `::1` first while the server
 * listens on IPv4 only.
 */
export function wgetCheck(url: string): readonly string[] {
  return ["wget", "-q", "-O", "/dev/null", url];
}
