/**
 * Serving the app: listening, graceful shutdown on SIGTERM/SIGINT, and the
 * telemetry flush within one bounded deadline.
 *
 * @module
 */
import { sleep } from "../lib/duration.ts";
import { createApp, PROBE_PATHS } from "../routes/app.ts";
import { httpTelemetry } from "../telemetry/http.ts";
import { log } from "../telemetry/logger.ts";
import { createServerInstruments } from "../telemetry/metrics.ts";
import type { Telemetry } from "../telemetry/sdk.ts";
import type { ServerConfig } from "./config.ts";

/** Flush budget at shutdown while the export endpoint is known to be failing. */
export const FAILING_FLUSH_MS = 2_000;

/**
 * Serves until SIGTERM or SIGINT, then: `/readyz` answers 503 at once;
 * after the drain window (SIGTERM only) the listener closes and in-flight
 * requests finish; all telemetry is flushed. Resolves with the exit code:
 * 0 after a clean shutdown, 1 when the deadline cut it short.
 */
export function serve(
  config: ServerConfig,
  telemetry: Telemetry,
): Promise<number> {
  let draining = false;
  const app = createApp({
    maxWorkMs: config.maxWorkMs,
    isDraining: () => draining,
    middleware: [
      httpTelemetry({
        tracer: telemetry.tracer,
        instruments: createServerInstruments(telemetry.meter),
        skipPaths: PROBE_PATHS,
      }),
    ],
  });

  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) =>
      log.info("space-app listening", {
        "server.address": hostname,
        "server.port": port,
      }),
  }, (request, info) => app.fetch(request, info));

  return new Promise<number>((resolve) => {
    const stop = async (signal: "SIGTERM" | "SIGINT") => {
      if (draining) {
        // A second Ctrl-C means "now"; a repeated SIGTERM (supervisors and
        // process groups send duplicates) changes nothing.
        if (signal === "SIGINT") {
          log.warn("second interrupt: exiting without finishing", { signal });
          resolve(1);
        }
        return;
      }
      draining = true;
      const started = performance.now();
      const remaining = () =>
        Math.max(0, config.shutdownTimeoutMs - (performance.now() - started));
      log.info("shutdown started", {
        signal,
        "shutdown.drain_ms": signal === "SIGTERM" ? config.shutdownDrainMs : 0,
        "shutdown.timeout_ms": config.shutdownTimeoutMs,
      });
      const deadline = setTimeout(() => {
        log.error("shutdown deadline passed with work unfinished: exiting", {
          "shutdown.timeout_ms": config.shutdownTimeoutMs,
        });
        resolve(1);
      }, config.shutdownTimeoutMs);
      // Interactive Ctrl-C skips the window meant for load balancers.
      if (signal === "SIGTERM") await sleep(config.shutdownDrainMs);
      await server.shutdown();
      // Keep a slice of the budget so the totals line is always written; an
      // endpoint that is already failing gets a short try, not the whole budget.
      const budget = Math.max(0, remaining() - 50);
      await telemetry.shutdown(
        telemetry.monitor?.failing
          ? Math.min(budget, FAILING_FLUSH_MS)
          : budget,
      );
      clearTimeout(deadline);
      log.info("shutdown complete", {
        "shutdown.duration_ms": Math.round(performance.now() - started),
      });
      resolve(0);
    };
    Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
    Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  });
}
