/**
 * The stack as plain processes on one host, rendered from the same typed
 * config and component model as Compose and Kubernetes. Only addresses,
 * ports and data paths differ: every server listens on the loopback
 * address, on a port of the caller's choosing (two Tempo and collector
 * OTLP receivers cannot share 4318 on one host), with data and config in
 * directories under one root.
 *
 * @module
 */
import { buildComponents } from "./components/mod.ts";
import type { StackConfig } from "./types.ts";
import type { Component } from "./model.ts";
import { nativePlacement, type Placement } from "./placement.ts";

/** Every port field of the config, as `components.<name>.<key>` paths. */
export function portFields(config: StackConfig): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, component] of Object.entries(config.components)) {
    for (const [key, value] of Object.entries(component)) {
      if (typeof value === "number" && /^port$|Port$/.test(key)) {
        out.set(`components.${name}.${key}`, value);
      }
      if (key === "ports") {
        for (const [k, v] of Object.entries(value as Record<string, number>)) {
          out.set(`components.${name}.ports.${k}`, v);
        }
      }
    }
  }
  return out;
}

/** The config with each port field replaced by `ports.get(path)`. */
export function withPorts(
  config: StackConfig,
  ports: ReadonlyMap<string, number>,
): StackConfig {
  const components = structuredClone(config.components) as unknown as Record<
    string,
    Record<string, unknown>
  >;
  for (const [path, port] of ports) {
    const [, name, key, sub] = path.split(".");
    const component = components[name];
    if (!component || !(key in component)) {
      throw new Error(`native: no port field ${path}`);
    }
    if (sub === undefined) component[key] = port;
    else (component[key] as Record<string, number>)[sub] = port;
  }
  return {
    ...config,
    components: components as unknown as StackConfig["components"],
  };
}

/** The native stack: the components to run and where they read and write. */
export interface NativeStack {
  /** The config with the native ports. */
  readonly config: StackConfig;
  readonly placement: Placement;
  /** Components in start order, with native args, env and config files. */
  readonly components: readonly Component[];
}

/**
 * Renders the stack for plain processes under `root`, with ports chosen by
 * `portFor(path, containerPort)` (for example a free port of the host).
 */
export function renderNative(
  config: StackConfig,
  root: string,
  portFor: (path: string, containerPort: number) => number,
  source: string,
): NativeStack {
  const ports = new Map(
    [...portFields(config)].map(([path, port]) => [path, portFor(path, port)]),
  );
  const native = withPorts(config, ports);
  const placement = nativePlacement(root);
  const components = buildComponents(native, "compose", source, placement);
  return { config: native, placement, components };
}
