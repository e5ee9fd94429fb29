/**
 * A config with some fields changed: what a config file of your own and the
 * tests write instead of the whole config. Typed, so a misspelt key does not
 * compile; validated afterwards like any config.
 * @module
 */
import type { StackConfig } from "./types.ts";

/** Any part of `T`, nested. */
export type Patch<T> = T extends readonly unknown[] ? T
  : T extends object ? { readonly [K in keyof T]?: Patch<T[K]> }
  : T;

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function merge(base: unknown, patch: unknown): unknown {
  // An object with a `kind` (credentials, notifier) is replaced whole.
  if (!isPlain(base) || !isPlain(patch) || "kind" in patch) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = value === undefined ? base[key] : merge(base[key], value);
  }
  return out;
}

/** `config` with `patch` applied; `config` itself is not changed. */
export function override(
  config: StackConfig,
  patch: Patch<StackConfig>,
): StackConfig {
  return merge(config, patch) as StackConfig;
}
