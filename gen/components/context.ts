/**
 * What every component module shares: the context it is built in, the
 * module interface, and helpers for defaults, health, volumes and configs.
 * @module
 */
import { withHeader } from "../serialize.ts";
import type { Component, ConfigDir, HttpProbe } from "../model.ts";
import { NAMES } from "../names.ts";
import {
  type ComponentName,
  type ConfiguredName,
  CONTAINER_CONFIG_DIRS,
  IMAGE_DATA_DIRS,
  type Placement,
  type StatefulName,
} from "../placement.ts";
import type {
  ProductionOverlayConfig,
  Resources,
  StackConfig,
} from "../types.ts";
import { parseBytes } from "../units.ts";

export type Target = "compose" | "local" | "production";

/** `base`: the local settings without the local image, applicable alone. */
export type BuildTarget = Target | "base";

export interface BuildContext {
  readonly config: StackConfig;
  readonly target: BuildTarget;
  readonly placement: Placement;
  /** Where the config came from, for the generated header. */
  readonly source: string;
  /** On the production target only. */
  readonly prod?: ProductionOverlayConfig;
  /** `deployment.environment.name` of the target. */
  readonly environment: string;
}

/** One component of the stack: its model on a target, unless left out. */
export type ComponentModule = (ctx: BuildContext) => Component | undefined;

/** A config file rendered from the config; its program reads `flag=<path>`. */
export interface ConfigFile {
  readonly name: string;
  readonly flag: string;
  render(config: StackConfig, placement: Placement): string;
}

/**
 * A component with what most share: a pulled image, one replica, 30 s to
 * stop, and (with a ReadWriteOnce volume) never two pods.
 */
export function component(
  c:
    & Partial<Component>
    & Pick<Component, "name" | "description" | "image" | "resources" | "user">,
): Component {
  return {
    build: false,
    args: [],
    env: [],
    ports: [],
    configDirs: [],
    replicas: 1,
    autoscaled: false,
    recreate: c.volume !== undefined,
    dependsOn: [],
    terminationGraceSeconds: 30,
    clients: [],
    ...c,
  };
}

/**
 * A backend reading its config file and keeping data on a volume, with the
 * image and resources of its config; `c.args` follow the config file's.
 */
export function backend(
  ctx: BuildContext,
  name: "prometheus" | "tempo" | "loki",
  file: ConfigFile,
  c: Partial<Component> & Pick<Component, "description" | "user">,
): Component {
  const { image, resources } = ctx.config.components[name];
  const { arg, dir } = configFile(ctx, name, file);
  return component({
    name: NAMES[name],
    image,
    resources,
    configDirs: [dir],
    volume: dataVolume(ctx, name),
    ...c,
    args: [arg, ...c.args ?? []],
  });
}

export const port = (name: string, port: number, publish = false) => ({
  name,
  port,
  publish,
});

/** Literal environment variables. */
export const env = (vars: Record<string, string>) =>
  Object.entries(vars).map(([name, value]) => ({ name, value }));

/** Connections from each of `from` to each of `ports`. */
export const allow = (from: string[], ports: number[]) =>
  from.flatMap((from) => ports.map((port) => ({ from, port })));

/** One minute to start, or longer in production: bigger volumes to replay. */
export const startBudget = (ctx: BuildContext, production: number) =>
  ctx.target === "production" ? production : 60;

export function afterHealthy(...names: ComponentName[]) {
  return names.map((name) => ({
    component: NAMES[name],
    condition: "service_healthy" as const,
  }));
}

/** `GOMEMLIMIT` at 80% of the memory limit: the GC works before the OOM kill. */
export function goMemLimit(resources: Resources) {
  const mib = Math.floor(
    (parseBytes(resources.limits.memory)! * 0.8) / 2 ** 20,
  );
  return { name: "GOMEMLIMIT", value: `${mib}MiB` };
}

export function dataVolume(ctx: BuildContext, name: StatefulName) {
  return {
    name: `${name}-data`,
    mountPath: IMAGE_DATA_DIRS[name],
    size: ctx.prod?.storage[name] ?? ctx.config.components[name].storage,
  };
}

/** A config directory: YAML files get the generated header, JSON cannot. */
export function configDir(
  ctx: BuildContext,
  name: string,
  dir: string,
  mountPath: string,
  files: ConfigDir["files"],
): ConfigDir {
  return {
    name,
    dir,
    mountPath,
    files: files.map((f) => ({
      name: f.name,
      content: f.name.endsWith(".json")
        ? f.content
        : withHeader(ctx.source, f.content),
    })),
  };
}

/** A config file in `<name>-config` at its config mount, and the argument naming it. */
export function configFile(
  ctx: BuildContext,
  component: ConfiguredName,
  file: ConfigFile,
): { arg: string; dir: ConfigDir } {
  const { config, placement } = ctx;
  const dir = NAMES[component];
  const mount = CONTAINER_CONFIG_DIRS[component];
  const files = [{ name: file.name, content: file.render(config, placement) }];
  return {
    arg: `${file.flag}=${placement.configDir(component)}/${file.name}`,
    dir: configDir(ctx, `${dir}-config`, dir, mount, files),
  };
}

/** A busybox `wget` check; use 127.0.0.1: wget may try `::1` first. */
export function wgetCheck(ready: HttpProbe): readonly string[] {
  const url = `http://127.0.0.1:${ready.port}${ready.path}`;
  return ["wget", "-q", "-O", "/dev/null", url];
}

/** OTLP over gRPC and HTTP on the bind address: the collector's and Tempo's receivers. */
export function otlpReceivers({ bind }: Placement, grpc: number, http: number) {
  const at = (port: number) => ({ endpoint: `${bind}:${port}` });
  return { otlp: { protocols: { grpc: at(grpc), http: at(http) } } };
}

/** The `server` block of Loki and Tempo: both servers on the bind address. */
export function servers({ bind }: Placement, http: number, grpc: number) {
  return {
    http_listen_address: bind,
    http_listen_port: http,
    grpc_listen_address: bind,
    grpc_listen_port: grpc,
    log_level: "info",
  };
}
