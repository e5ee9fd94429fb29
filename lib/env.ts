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
export const recordEnv =
  (record: Record<string, string | undefined>): EnvSource => (name) =>
    record[name];

/** The one-line error: `NAME="value" is invalid: expected <allowed>`. */
export function invalid(
  name: string,
  value: string,
  allowed: string,
): ConfigError {
  return new ConfigError(
    `${name}=${JSON.stringify(value)} is invalid: expected ${allowed}`,
  );
}

/** The trimmed value, or `undefined` when unset or blank. */
export function readString(env: EnvSource, name: string): string | undefined {
  return env(name)?.trim() || undefined;
}

/** `fallback` when unset, else what `parse` makes of the value (`undefined`: not `allowed`). */
function read<T>(
  env: EnvSource,
  name: string,
  fallback: T,
  allowed: string,
  parse: (value: string) => T | undefined,
): T {
  const value = readString(env, name);
  if (value === undefined) return fallback;
  const parsed = parse(value);
  if (parsed === undefined) throw invalid(name, value, allowed);
  return parsed;
}

/** A reader of a finite number in `[min, max]` written as `pattern` allows. */
function rangeReader(kind: string, pattern: RegExp) {
  return (
    env: EnvSource,
    name: string,
    fallback: number,
    min: number,
    max: number,
  ): number =>
    read(env, name, fallback, `${kind} from ${min} to ${max}`, (v) => {
      const n = pattern.test(v) ? Number(v) : NaN;
      return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
    });
}

/** An integer in `[min, max]`; decimal digits only (no `1e3`, no `0x10`, no `1.5`). */
export const readInt = rangeReader("an integer", /^[0-9]+$/);

/** A finite number in `[min, max]`. */
export const readNumber = rangeReader(
  "a number",
  /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/,
);

/** `true`/`false` (any case); nothing else. */
export function readBool(
  env: EnvSource,
  name: string,
  fallback: boolean,
): boolean {
  return read(env, name, fallback, "true or false", (v) => {
    const lower = v.toLowerCase();
    return lower === "true" ? true : lower === "false" ? false : undefined;
  });
}

/** One of a fixed set of words (matched case-insensitively, returned as listed). */
export function readChoice<T extends string>(
  env: EnvSource,
  name: string,
  fallback: T,
  allowed: readonly T[],
): T {
  return read(
    env,
    name,
    fallback,
    `one of ${allowed.join(", ")}`,
    (v) => allowed.find((a) => a.toLowerCase() === v.toLowerCase()),
  );
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
    const bad = (allowed: string) =>
      invalid(name, value, `${allowed} (bad item ${JSON.stringify(item)})`);
    const eq = item.indexOf("=");
    const key = eq > 0 ? item.slice(0, eq).trim() : "";
    if (key === "") throw bad("comma-separated key=value pairs");
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      throw bad("percent-encoded values");
    }
  }
  return out;
}
