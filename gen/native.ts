/**
 * The stack as plain processes on one host: servers on the loopback address
 * and ports of the caller's choosing, data and config under one root.
 * @module
 */
import { buildComponents } from "./components/mod.ts";
import { nativePlacement } from "./placement.ts";
import type { StackConfig } from "./types.ts";

type Fields = Record<string, Record<string, unknown>>;

/** Every port field of the config, as `components.<name>.<key>` paths. */
export function portFields(config: StackConfig): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, fields] of Object.entries(config.components as Fields)) {
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === "number" && /^port$|Port$/.test(key)) {
        out.set(`components.${name}.${key}`, value);
      }
      if (key !== "ports") continue;
      for (const [k, v] of Object.entries(value as Record<string, number>)) {
        out.set(`components.${name}.ports.${k}`, v);
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
  const next = structuredClone(config);
  const components = next.components as unknown as Fields;
  for (const [path, port] of ports) {
    const [, name, key, sub] = path.split(".");
    const component = components[name];
    if (!component || !(key in component)) {
      throw new Error(`native: no port field ${path}`);
    }
    if (sub === undefined) component[key] = port;
    else (component[key] as Record<string, number>)[sub] = port;
  }
  return next;
}

/**
 * The stack under `root`, with ports chosen by `portFor(path, containerPort)`:
 * the config with those ports, and the components in start order.
 */
export function renderNative(
  config: StackConfig,
  root: string,
  portFor: (path: string, containerPort: number) => number,
  source: string,
) {
  const ports = [...portFields(config)].map(([path, port]) =>
    [path, portFor(path, port)] as const
  );
  const native = withPorts(config, new Map(ports));
  const placement = nativePlacement(root);
  const components = buildComponents(native, "compose", source, placement);
  return { config: native, placement, components };
}
