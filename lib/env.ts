/**
 * Typed, strict reading of environment variables.
 *
 * Every reader throws {@link ConfigError} naming the variable, the bad value
 * and what is allowed, so a bad deployment fails at start with one line
 * instead of running with a silent default.
 *
 * @module
 */
import { parseHttpUrl } from "./http_url.ts";

/** A configuration value that cannot be used; its message is one line. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads one variable; `undefined` when unset. Empty counts as unset only where a reader says so. */
export type EnvSource = (name: string) => string | undefined;

/** The process environment as an {@link EnvSource}. */
export const processEnv: EnvSource = (name) => Deno.env.get(name);

/** An {@link EnvSource} over a plain record, for tests and child configs. */
export function recordEnv(
  record: Record<string, string | undefined>,
): EnvSource {
  return (name) => record[name];
}

function invalid(name: string, value: string, allowed: string): ConfigError {
  return new ConfigError(
    `${name}=${JSON.stringify(value)} is invalid: expected ${allowed}`,
  );
}

/** The trimmed value, or `undefined` when unset or blank. */
export function readString(env: EnvSource, name: string): string | undefined {
  const raw = env(name);
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** An integer in `[min, max]`; decimal digits only (no `1e3`, no `0x10`, no `1.5`). */
export function readInt(
  env: EnvSource,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value)) {
    throw invalid(name, value, `an integer from ${min} to ${max}`);
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalid(name, value, `an integer from ${min} to ${max}`);
  }
  return n;
}

/** A finite number in `[min, max]`. */
export function readNumber(
  env: EnvSource,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)
    ? Number(value)
    : NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw invalid(name, value, `a number from ${min} to ${max}`);
  }
  return n;
}

/** `true`/`false` (any case); nothing else. */
export function readBool(
  env: EnvSource,
  name: string,
  fallback: boolean,
): boolean {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw invalid(name, value, "true or false");
}

/** One of a fixed set of words (matched case-insensitively, returned as listed). */
export function readChoice<T extends string>(
  env: EnvSource,
  name: string,
  fallback: T,
  allowed: readonly T[],
): T {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (found === undefined) {
    throw invalid(name, value, `one of ${allowed.join(", ")}`);
  }
  return found;
}

/** An absolute http(s) URL on a port fetch allows. */
export function readUrl(
  env: EnvSource,
  name: string,
): URL | undefined {
  const value = readString(env, name);
  if (value === undefined) return undefined;
  const parsed = parseHttpUrl(value);
  if ("expected" in parsed) throw invalid(name, value, parsed.expected);
  return parsed.url;
}

/**
 * A W3C-baggage-style list `key=value,key2=value2` (values percent-decoded),
 * the format of `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`.
 */
export function readKeyValueList(
  env: EnvSource,
  name: string,
): Record<string, string> {
  const value = readString(env, name);
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  for (const item of value.split(",")) {
    if (item.trim() === "") continue;
    const eq = item.indexOf("=");
    const key = eq > 0 ? item.slice(0, eq).trim() : "";
    if (key === "") {
      throw invalid(
        name,
        value,
        `comma-separated key=value pairs (bad item ${JSON.stringify(item)})`,
      );
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw invalid(
        name,
        value,
        `percent-encoded values (bad item ${JSON.stringify(item)})`,
      );
    }
    out[key] = decoded;
  }
  return out;
}
