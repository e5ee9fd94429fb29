/**
 * The `healthcheck` subcommand: asks the local service's `/healthz`, for
 * container images that have no curl or shell.
 *
 * @module
 */
import type { ServerConfig } from "./config.ts";

/** Wildcard bind addresses are reached through loopback. */
function localAddress(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** Resolves 0 when `/healthz` answers 200 within `timeoutMs`, else 1. */
export async function healthcheck(
  config: ServerConfig,
  timeoutMs = 3000,
): Promise<{ code: number; detail: string }> {
  const url = `http://${localAddress(config.host)}:${config.port}/healthz`;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status === 200
      ? { code: 0, detail: `healthy: ${url} answered 200` }
      : { code: 1, detail: `unhealthy: ${url} answered ${response.status}` };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { code: 1, detail: `unhealthy: ${url} did not answer (${reason})` };
  }
}
