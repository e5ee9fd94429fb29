/**
 * The service's own settings, read from the environment at start.
 *
 * @module
 */
import { type EnvSource, invalid, readInt, readString } from "../lib/env.ts";

/** Settings for serving HTTP. */
export interface ServerConfig {
  /** TCP port to listen on (`PORT`, default 8000). */
  readonly port: number;
  /** Address to bind (`HOST`, default 0.0.0.0). */
  readonly host: string;
  /** Largest `ms` that `/work` accepts (`MAX_WORK_MS`, default 10000). */
  readonly maxWorkMs: number;
  /** Whole shutdown budget: drain, finish requests, flush (`SHUTDOWN_TIMEOUT_MS`, default 10000). */
  readonly shutdownTimeoutMs: number;
  /**
   * After SIGTERM, how long `/readyz` answers 503 while requests are still
   * accepted, so load balancers stop routing before the listener closes
   * (`SHUTDOWN_DRAIN_MS`, default 1000; SIGINT skips it).
   */
  readonly shutdownDrainMs: number;
}

/** Hostnames and IPv4/IPv6 literals, nothing with a scheme, port or path. */
const HOST_PATTERN =
  /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[?[0-9A-Fa-f:.]+\]?)$/;

/** Reads and validates {@link ServerConfig}; throws `ConfigError` on a bad value. */
export function readServerConfig(env: EnvSource): ServerConfig {
  const host = readString(env, "HOST") ?? "0.0.0.0";
  if (!HOST_PATTERN.test(host)) {
    const allowed = "a hostname or IP address such as 0.0.0.0 or 127.0.0.1";
    throw invalid("HOST", host, allowed);
  }
  const shutdownTimeoutMs = readInt(
    env,
    "SHUTDOWN_TIMEOUT_MS",
    10_000,
    100,
    600_000,
  );
  const shutdownDrainMs = readInt(env, "SHUTDOWN_DRAIN_MS", 1_000, 0, 600_000);
  if (shutdownDrainMs >= shutdownTimeoutMs) {
    const allowed = `less than SHUTDOWN_TIMEOUT_MS (${shutdownTimeoutMs})`;
    throw invalid("SHUTDOWN_DRAIN_MS", String(shutdownDrainMs), allowed);
  }
  return {
    port: readInt(env, "PORT", 8000, 1, 65535),
    host: host.replace(/^\[(.*)\]$/, "$1"),
    maxWorkMs: readInt(env, "MAX_WORK_MS", 10_000, 0, 3_600_000),
    shutdownTimeoutMs,
    shutdownDrainMs,
  };
}
