/**
 * The one entry of the space-app binary: `serve` (default), `loadgen`,
 * `healthcheck`, `--help`, `--version`.
 *
 * @module
 */
import { ConfigError, processEnv } from "./lib/env.ts";
import { printErr, printOut } from "./lib/output.ts";
import { loadgen } from "./loadgen.ts";
import { readServerConfig } from "./server/config.ts";
import { healthcheck } from "./server/healthcheck.ts";
import { serve } from "./server/serve.ts";
import { readTelemetryConfig } from "./telemetry/config.ts";
import { flushLogs } from "./telemetry/logger.ts";
import { startTelemetry } from "./telemetry/sdk.ts";
import { VERSION } from "./version.ts";

/** Resource defaults of the service. */
export const SERVICE_DEFAULTS = {
  serviceName: "space-app",
  serviceVersion: VERSION,
  serviceNamespace: "demo",
  environment: "development",
} as const;

const USAGE =
  `space-app ${VERSION}: a Hono service instrumented with OpenTelemetry

Usage:
  space-app [serve]        serve HTTP (the default)
  space-app loadgen [...]  send synthetic traffic to the service (loadgen --help)
  space-app healthcheck    exit 0 when the local service's /healthz answers 200, else 1
  space-app --help         show this help
  space-app --version      print the version

Environment: PORT (8000), HOST (0.0.0.0), MAX_WORK_MS (10000),
SHUTDOWN_TIMEOUT_MS (10000), SHUTDOWN_DRAIN_MS (1000) and the standard
OTEL_* variables (see docs/configuration.md and docs/telemetry.md).`;

async function runServe(): Promise<number> {
  const server = readServerConfig(processEnv);
  const telemetryConfig = readTelemetryConfig(processEnv, SERVICE_DEFAULTS);
  const telemetry = startTelemetry(telemetryConfig, {
    scope: SERVICE_DEFAULTS.serviceName,
    version: VERSION,
  });
  return await serve(server, telemetry);
}

async function runHealthcheck(): Promise<number> {
  const result = await healthcheck(readServerConfig(processEnv));
  (result.code === 0 ? printOut : printErr)(result.detail);
  return result.code;
}

/** Runs the command named by `args`; resolves with the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command = "serve", ...rest] = args;
  if (command === "--help" || command === "-h" || command === "help") {
    printOut(USAGE);
    return 0;
  }
  if (command === "--version" || command === "-V") {
    printOut(VERSION);
    return 0;
  }
  try {
    if (rest.length > 0 && command !== "loadgen") {
      printErr(
        `space-app: unexpected argument ${
          JSON.stringify(rest[0])
        } after ${command}\n\n${USAGE}`,
      );
      return 2;
    }
    switch (command) {
      case "serve":
        return await runServe();
      case "loadgen":
        return await loadgen(rest);
      case "healthcheck":
        return await runHealthcheck();
      default:
        printErr(
          `space-app: unknown command ${JSON.stringify(command)}\n\n${USAGE}`,
        );
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      printErr(`space-app: ${error.message}`);
      return 2;
    }
    if (error instanceof Deno.errors.AddrInUse) {
      printErr(
        `space-app: cannot listen: ${error.message} (set PORT to a free port)`,
      );
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  const code = await main(Deno.args);
  flushLogs();
  Deno.exit(code);
}
