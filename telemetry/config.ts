/**
 * OpenTelemetry settings from the standard `OTEL_*` environment variables,
 * validated at start: a bad value is a `ConfigError`, never a silent default.
 *
 * @module
 */
import {
  ConfigError,
  type EnvSource,
  invalid,
  readBool,
  readChoice,
  readInt,
  readKeyValueList,
  readNumber,
  readString,
  readUrl,
} from "../lib/env.ts";

/** The three signals, as named in per-signal variables. */
export type Signal = "traces" | "metrics" | "logs";
/** Everything `telemetry/sdk.ts` needs. */
export type TelemetryConfig = ReturnType<typeof readTelemetryConfig>;
/** Export settings of one signal. */
export type SignalConfig = TelemetryConfig["traces"];
/** Batch processor settings (spans or log records). */
export type BatchConfig = typeof DEFAULT_BATCH;
/** This project's telemetry part, or the SDK's stock one. */
export type Implementation = TelemetryConfig["implementation"]["exporter"];

/**
 * Holds about 10,000 requests/s (two spans, a log record each). Batches of
 * 512 leave the queue before V8 promotes them (16 MB semi-spaces, deno.json).
 */
export const DEFAULT_BATCH = {
  maxQueueSize: 16_384,
  maxExportBatchSize: 512,
  scheduleDelayMs: 1_000,
  exportTimeoutMs: 10_000,
};

const EXPORTERS = ["otlp", "console", "none"] as const;

/** `http://host:4318` + `traces` -> `http://host:4318/v1/traces` (keeping any base path). */
export function signalUrl(base: URL, signal: Signal): string {
  const path = base.pathname.replace(/\/?$/, "/");
  return new URL(`${path}v1/${signal}`, base).href;
}

/**
 * An integer setting that may not exceed another one, `limit` (named
 * `limitName`), which also caps its default.
 */
function readIntUpTo(
  env: EnvSource,
  name: string,
  fallback: number,
  max: number,
  limitName: string,
  limit: number,
): number {
  const value = readInt(env, name, Math.min(fallback, limit), 1, max);
  if (value > limit) {
    throw invalid(name, String(value), `at most ${limitName} (${limit})`);
  }
  return value;
}

/** Reads variable `name`, `fallback` when it is unset. */
type Reader<T> = (name: string, fallback: T) => T;

function readSignal(env: EnvSource, signal: Signal) {
  const general = "OTEL_EXPORTER_OTLP";
  const prefix = `${general}_${signal.toUpperCase()}`;
  /** The per-signal variable, else the general one, else `fallback`. */
  const either = <T>(suffix: string, fallback: T, read: Reader<T>): T =>
    read(`${prefix}_${suffix}`, read(`${general}_${suffix}`, fallback));
  const choice =
    <T extends string>(allowed: readonly T[]): Reader<T> => (name, fallback) =>
      readChoice(env, name, fallback, allowed);

  const own = readUrl(env, `${prefix}_ENDPOINT`);
  const base = readUrl(env, `${general}_ENDPOINT`) ??
    new URL("http://localhost:4318");
  const protocol = either(
    "PROTOCOL",
    "http/protobuf",
    choice(["http/protobuf", "http/json"] as const),
  );
  const compression = either(
    "COMPRESSION",
    "none",
    choice(["gzip", "none"] as const),
  );
  const exporterName = `OTEL_${signal.toUpperCase()}_EXPORTER`;
  // The spec allows a list; we support exactly one exporter per signal.
  const exporters = readString(env, exporterName);
  if (exporters?.includes(",")) {
    throw invalid(
      exporterName,
      exporters,
      `one of ${EXPORTERS.join(", ")} (a single exporter)`,
    );
  }
  return {
    exporter: readChoice(env, exporterName, "otlp", EXPORTERS),
    /** Full URL including `/v1/<signal>`. */
    endpoint: own ? own.href : signalUrl(base, signal),
    protocol,
    headers: {
      ...readKeyValueList(env, `${general}_HEADERS`),
      ...readKeyValueList(env, `${prefix}_HEADERS`),
    },
    timeoutMs: either(
      "TIMEOUT",
      10_000,
      (name, fallback) => readInt(env, name, fallback, 1, 600_000),
    ),
    compression,
  } as const;
}

function readBatch(env: EnvSource, prefix: "OTEL_BSP" | "OTEL_BLRP") {
  const int = (suffix: string, fallback: number, max = 600_000) =>
    readInt(env, `${prefix}_${suffix}`, fallback, 1, max);
  const queue = int("MAX_QUEUE_SIZE", DEFAULT_BATCH.maxQueueSize, 1_000_000);
  return {
    maxQueueSize: queue,
    maxExportBatchSize: readIntUpTo(
      env,
      `${prefix}_MAX_EXPORT_BATCH_SIZE`,
      DEFAULT_BATCH.maxExportBatchSize,
      1_000_000,
      `${prefix}_MAX_QUEUE_SIZE`,
      queue,
    ),
    scheduleDelayMs: int("SCHEDULE_DELAY", DEFAULT_BATCH.scheduleDelayMs),
    exportTimeoutMs: int("EXPORT_TIMEOUT", DEFAULT_BATCH.exportTimeoutMs),
  };
}

function readPropagators(env: EnvSource): ("tracecontext" | "baggage")[] {
  const value = readString(env, "OTEL_PROPAGATORS");
  if (value === undefined) return ["tracecontext", "baggage"];
  const out: ("tracecontext" | "baggage")[] = [];
  for (const item of value.split(",").map((s) => s.trim().toLowerCase())) {
    if (item === "none") return [];
    if (item !== "tracecontext" && item !== "baggage") {
      throw invalid(
        "OTEL_PROPAGATORS",
        value,
        "a list of tracecontext, baggage, or none",
      );
    }
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/** Defaults for resource attributes the environment does not set. */
export interface ResourceDefaults {
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly serviceNamespace: string;
  readonly environment: string;
}

/** Reads and validates {@link TelemetryConfig}. */
export function readTelemetryConfig(
  env: EnvSource,
  defaults: ResourceDefaults,
) {
  const attributes = readKeyValueList(env, "OTEL_RESOURCE_ATTRIBUTES");
  const serviceName = readString(env, "OTEL_SERVICE_NAME") ??
    attributes["service.name"] ?? defaults.serviceName;
  // The samplers of the specification's `OTEL_TRACES_SAMPLER`.
  const sampler = readChoice(
    env,
    "OTEL_TRACES_SAMPLER",
    "parentbased_always_on",
    [
      "always_on",
      "always_off",
      "traceidratio",
      "parentbased_always_on",
      "parentbased_always_off",
      "parentbased_traceidratio",
    ] as const,
  );
  const resourceAttributes: Readonly<Record<string, string>> = {
    "service.namespace": defaults.serviceNamespace,
    "service.version": defaults.serviceVersion,
    "deployment.environment.name": defaults.environment,
    ...attributes,
    "service.name": serviceName,
  };
  const samplerArg = readNumber(env, "OTEL_TRACES_SAMPLER_ARG", 1, 0, 1);
  const samplerArgText = readString(env, "OTEL_TRACES_SAMPLER_ARG");
  if (samplerArgText !== undefined && !sampler.endsWith("traceidratio")) {
    // An argument that is ignored is a configuration mistake worth stopping for.
    throw new ConfigError(
      `OTEL_TRACES_SAMPLER_ARG=${
        JSON.stringify(samplerArgText)
      } is invalid with OTEL_TRACES_SAMPLER=${sampler}: expected it only with traceidratio or parentbased_traceidratio`,
    );
  }
  const metricExportIntervalMs = readInt(
    env,
    "OTEL_METRIC_EXPORT_INTERVAL",
    60_000,
    100,
    3_600_000,
  );
  const metricExportTimeoutMs = readIntUpTo(
    env,
    "OTEL_METRIC_EXPORT_TIMEOUT",
    30_000,
    3_600_000,
    "OTEL_METRIC_EXPORT_INTERVAL",
    metricExportIntervalMs,
  );
  return {
    /** `OTEL_SDK_DISABLED=true`: no providers, no export, stdout logs only. */
    disabled: readBool(env, "OTEL_SDK_DISABLED", false),
    serviceName,
    /** Resource attributes from `OTEL_RESOURCE_ATTRIBUTES` plus defaults. */
    resourceAttributes,
    traces: readSignal(env, "traces"),
    metrics: readSignal(env, "metrics"),
    logs: readSignal(env, "logs"),
    sampler,
    /** Ratio for the `*traceidratio` samplers, 0..1. */
    samplerArg,
    propagators: readPropagators(env),
    metricExportIntervalMs,
    metricExportTimeoutMs,
    spanBatch: readBatch(env, "OTEL_BSP"),
    logBatch: readBatch(env, "OTEL_BLRP"),
    /**
     * Which exporter sends spans and log records: this project's (`own`,
     * `telemetry/otlp/`) or the SDK's stock OTLP/HTTP protobuf exporter
     * (`sdk`). The bench compares them side by side.
     */
    implementation: {
      exporter: readChoice(
        env,
        "SPACE_APP_OTLP_EXPORTER",
        "own",
        ["own", "sdk"] as const,
      ),
    },
  } as const;
}
