/**
 * The load generator, run as `space-app loadgen` (or `deno task loadgen`):
 * open-loop synthetic traffic for space-app, traced as its own service so
 * each trace spans loadgen and space-app, with progress lines while it runs
 * and a summary at the end. See docs/loadgen.md.
 *
 * @module
 */
import { type EnvSource, processEnv } from "./lib/env.ts";
import { printOut } from "./lib/output.ts";
import { LOADGEN_USAGE, parseLoadgenArgs } from "./loadgen/flags.ts";
import { summaryJson, summaryText } from "./loadgen/report.ts";
import { runLoad } from "./loadgen/run.ts";
import { readTelemetryConfig } from "./telemetry/config.ts";
import { flushLogs, stderrSink } from "./telemetry/logger.ts";
import { startTelemetry } from "./telemetry/sdk.ts";
import { VERSION } from "./version.ts";

/** Resource defaults of loadgen (`OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` override them). */
export const LOADGEN_DEFAULTS = {
  serviceName: "loadgen",
  serviceVersion: VERSION,
  serviceNamespace: "demo",
  environment: "development",
} as const;

/** After the first SIGINT/SIGTERM, how long requests in flight may still finish. */
export const STOP_GRACE_MS = 1_000;

/** Budget for flushing loadgen's own telemetry at exit. */
export const TELEMETRY_FLUSH_MS = 5_000;

/** Flush budget while the export endpoint is known to be failing. */
export const FAILING_FLUSH_MS = 2_000;

/**
 * Runs loadgen with the arguments after `loadgen`; resolves with the exit
 * code (0, also when stopped by a signal). Invalid flags or variables throw
 * a `ConfigError`.
 */
export async function loadgen(
  args: readonly string[],
  env: EnvSource = processEnv,
): Promise<number> {
  const parsed = parseLoadgenArgs(args, env);
  if (parsed.help) {
    printOut(LOADGEN_USAGE);
    return 0;
  }
  const { config } = parsed;
  const telemetry = startTelemetry(readTelemetryConfig(env, LOADGEN_DEFAULTS), {
    scope: LOADGEN_DEFAULTS.serviceName,
    version: VERSION,
    // With --json, stdout carries the summary alone.
    logSink: config.json ? stderrSink : undefined,
  });

  // First signal: stop scheduling, let requests in flight finish for a
  // moment. Second signal: cancel them at once and skip the telemetry flush.
  const stop = new AbortController();
  const cancel = new AbortController();
  const hurry = new AbortController();
  let grace: ReturnType<typeof setTimeout> | undefined;
  const listeners: [Deno.Signal, () => void][] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const listener = () => {
      if (!stop.signal.aborted) {
        stop.abort(signal);
        grace = setTimeout(() => cancel.abort(), STOP_GRACE_MS);
      } else {
        cancel.abort();
        hurry.abort();
      }
    };
    try {
      Deno.addSignalListener(signal, listener);
      listeners.push([signal, listener]);
    } catch {
      // Signals this platform does not have (SIGTERM on Windows).
    }
  }

  let summary;
  try {
    summary = await runLoad(config, {
      tracer: telemetry.tracer,
      meter: telemetry.meter,
      stop: stop.signal,
      cancel: cancel.signal,
    });
    // A second signal skips the flush, or the rest of it.
    await Promise.race([
      telemetry.shutdown(
        hurry.signal.aborted
          ? 0
          : telemetry.monitor?.failing
          ? FAILING_FLUSH_MS
          : TELEMETRY_FLUSH_MS,
      ),
      new Promise((resolve) =>
        hurry.signal.addEventListener("abort", resolve, { once: true })
      ),
    ]);
  } finally {
    clearTimeout(grace);
    for (const [signal, listener] of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
  }
  // Log lines first, so the summary is the last thing on stdout.
  flushLogs();
  printOut(
    config.json ? JSON.stringify(summaryJson(summary)) : summaryText(summary),
  );
  return 0;
}

if (import.meta.main) {
  // `deno run loadgen.ts [...]` is `main.ts loadgen [...]`. Not awaited at
  // the top level: main.ts imports this module, which must finish first.
  import("./main.ts").then(async ({ main }) => {
    const code = await main(["loadgen", ...Deno.args]);
    flushLogs();
    Deno.exit(code);
  });
}
