/**
 * Applies a user's partial config (from `--config FILE`) on top of the
 * defaults. Unknown keys and values of the wrong type are refused with the
 * field's path, so a typo never silently falls back to a default.
 *
 * @module
 */
import type { StackConfig } from "./types.ts";

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return kindOf(value) === "object";
}

/**
 * Objects whose shape depends on a `kind` field (Grafana credentials):
 * an override replaces them whole instead of merging into them.
 */
function isUnion(value: Record<string, unknown>): boolean {
  return typeof value.kind === "string";
}

function merge(
  base: unknown,
  override: unknown,
  path: string,
  problems: string[],
): unknown {
  if (isRecord(base) && isRecord(override) && !isUnion(base)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in base)) {
        problems.push(
          `${at}: unknown key: expected one of ${Object.keys(base).join(", ")}`,
        );
        continue;
      }
      out[key] = merge(base[key], value, at, problems);
    }
    return out;
  }
  if (isRecord(base) && isUnion(base)) {
    if (!isRecord(override) || typeof override.kind !== "string") {
      problems.push(
        `${path}: ${
          JSON.stringify(override)
        } is invalid: expected an object with a kind`,
      );
      return base;
    }
    return override;
  }
  // Optional CPU limits and similar: the base may lack a key the override sets.
  if (base !== undefined && kindOf(base) !== kindOf(override)) {
    problems.push(
      `${path}: ${JSON.stringify(override)} is invalid: expected a ${
        kindOf(base)
      }`,
    );
    return base;
  }
  return override;
}

/** The defaults with `override` applied, and every problem found on the way. */
export function mergeConfig(
  defaults: StackConfig,
  override: unknown,
): { config: StackConfig; problems: string[] } {
  const problems: string[] = [];
  if (!isRecord(override)) {
    return {
      config: defaults,
      problems: [`config: expected an object, got ${kindOf(override)}`],
    };
  }
  const config = merge(defaults, override, "", problems) as StackConfig;
  return { config, problems };
}
