/**
 * OpenTelemetry settings from the standard `OTEL_*` environment variables,
 * validated at start: a bad value is a `ConfigError`, never a silent default.
 *
 * @module
 */
import {
  ConfigError,
  type EnvSource,
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
/** Where a signal goes. */
export type ExporterKind = "otlp" | "console" | "none";
/** OTLP/HTTP encodings. */
export type OtlpProtocol = "http/protobuf" | "http/json";
/** Samplers of the specification's `OTEL_TRACES_SAMPLER`. */
export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/** Export settings of one signal. */
export interface SignalConfig {
  readonly exporter: ExporterKind;
  /** Full URL including `/v1/<signal>`. */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: "gzip" | "none";
}

/** Batch processor settings (spans or log records). */
export interface BatchConfig {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduleDelayMs: number;
  readonly exportTimeoutMs: number;
}

/** Everything `telemetry/sdk.ts` needs. */
export interface TelemetryConfig {
  /** `OTEL_SDK_DISABLED=true`: no providers, no export, stdout logs only. */
  readonly disabled: boolean;
  readonly serviceName: string;
  /** Resource attributes from `OTEL_RESOURCE_ATTRIBUTES` plus defaults. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly traces: SignalConfig;
  readonly metrics: SignalConfig;
  readonly logs: SignalConfig;
  readonly sampler: SamplerName;
  /** Ratio for the `*traceidratio` samplers, 0..1. */
  readonly samplerArg: number;
  readonly propagators: readonly ("tracecontext" | "baggage")[];
  readonly metricExportIntervalMs: number;
  readonly metricExportTimeoutMs: number;
  readonly spanBatch: BatchConfig;
  readonly logBatch: BatchConfig;
  /**
   * Which exporter sends spans and log records: this project's (`own`,
   * `telemetry/otlp/`) or the SDK's stock OTLP/HTTP protobuf exporter
   * (`sdk`). The bench compares them side by side.
   */
  readonly implementation: { readonly exporter: Implementation };
}

/** This project's telemetry part, or the SDK's stock one. */
export type Implementation = "own" | "sdk";

/** Defaults that hold about 10,000 requests/s (two spans and up to one log each) without overflow. */
export const DEFAULT_BATCH: BatchConfig = {
  maxQueueSize: 16_384,
  maxExportBatchSize: 2_048,
  scheduleDelayMs: 1_000,
  exportTimeoutMs: 10_000,
};

const SIGNAL_PREFIX: Record<Signal, string> = {
  traces: "OTEL_EXPORTER_OTLP_TRACES",
  metrics: "OTEL_EXPORTER_OTLP_METRICS",
  logs: "OTEL_EXPORTER_OTLP_LOGS",
};

/** `http://host:4318` + `traces` -> `http://host:4318/v1/traces` (keeping any base path). */
export function signalUrl(base: URL, signal: Signal): string {
  const path = base.pathname.endsWith("/")
    ? base.pathname
    : base.pathname + "/";
  return new URL(`${path}v1/${signal}`, base).href;
}

function readExporter(env: EnvSource, signal: Signal): ExporterKind {
  const name = `OTEL_${signal.toUpperCase()}_EXPORTER`;
  const value = readString(env, name);
  if (value === undefined) return "otlp";
  // The spec allows a list; we support exactly one exporter per signal.
  if (value.includes(",")) {
    throw new ConfigError(
      `${name}=${
        JSON.stringify(value)
      } is invalid: expected one of otlp, console, none (a single exporter)`,
    );
  }
  return readChoice(env, name, "otlp", ["otlp", "console", "none"] as const);
}

function readSignal(env: EnvSource, signal: Signal): SignalConfig {
  const prefix = SIGNAL_PREFIX[signal];
  const own = readUrl(env, `${prefix}_ENDPOINT`);
  const base = readUrl(env, "OTEL_EXPORTER_OTLP_ENDPOINT") ??
    new URL("http://localhost:4318");
  const protocols = ["http/protobuf", "http/json"] as const;
  const protocol = readChoice(
    env,
    `${prefix}_PROTOCOL`,
    readChoice(env, "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", protocols),
    protocols,
  );
  const compression = readChoice(
    env,
    `${prefix}_COMPRESSION`,
    readChoice(
      env,
      "OTEL_EXPORTER_OTLP_COMPRESSION",
      "none",
      [
        "gzip",
        "none",
      ] as const,
    ),
    ["gzip", "none"] as const,
  );
  return {
    exporter: readExporter(env, signal),
    endpoint: own ? own.href : signalUrl(base, signal),
    protocol,
    headers: {
      ...readKeyValueList(env, "OTEL_EXPORTER_OTLP_HEADERS"),
      ...readKeyValueList(env, `${prefix}_HEADERS`),
    },
    timeoutMs: readInt(
      env,
      `${prefix}_TIMEOUT`,
      readInt(env, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000, 1, 600_000),
      1,
      600_000,
    ),
    compression,
  };
}

function readBatch(
  env: EnvSource,
  prefix: "OTEL_BSP" | "OTEL_BLRP",
): BatchConfig {
  const maxQueueSize = readInt(
    env,
    `${prefix}_MAX_QUEUE_SIZE`,
    DEFAULT_BATCH.maxQueueSize,
    1,
    1_000_000,
  );
  const maxExportBatchSize = readInt(
    env,
    `${prefix}_MAX_EXPORT_BATCH_SIZE`,
    Math.min(DEFAULT_BATCH.maxExportBatchSize, maxQueueSize),
    1,
    1_000_000,
  );
  if (maxExportBatchSize > maxQueueSize) {
    throw new ConfigError(
      `${prefix}_MAX_EXPORT_BATCH_SIZE="${maxExportBatchSize}" is invalid: expected at most ${prefix}_MAX_QUEUE_SIZE (${maxQueueSize})`,
    );
  }
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduleDelayMs: readInt(
      env,
      `${prefix}_SCHEDULE_DELAY`,
      DEFAULT_BATCH.scheduleDelayMs,
      1,
      600_000,
    ),
    exportTimeoutMs: readInt(
      env,
      `${prefix}_EXPORT_TIMEOUT`,
      DEFAULT_BATCH.exportTimeoutMs,
      1,
      600_000,
    ),
  };
}

function readPropagators(env: EnvSource): ("tracecontext" | "baggage")[] {
  const value = readString(env, "OTEL_PROPAGATORS");
  if (value === undefined) return ["tracecontext", "baggage"];
  const out: ("tracecontext" | "baggage")[] = [];
  for (const item of value.split(",").map((s) => s.trim().toLowerCase())) {
    if (item === "none") return [];
    if (item !== "tracecontext" && item !== "baggage") {
      throw new ConfigError(
        `OTEL_PROPAGATORS=${
          JSON.stringify(value)
        } is invalid: expected a list of tracecontext, baggage, or none`,
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
): TelemetryConfig {
  const attributes = readKeyValueList(env, "OTEL_RESOURCE_ATTRIBUTES");
  const serviceName = readString(env, "OTEL_SERVICE_NAME") ??
    attributes["service.name"] ?? defaults.serviceName;
  const resourceAttributes: Record<string, string> = {
    "service.namespace": defaults.serviceNamespace,
    "service.version": defaults.serviceVersion,
    "deployment.environment.name": defaults.environment,
    ...attributes,
    "service.name": serviceName,
  };
  const samplerArgSet =
    readString(env, "OTEL_TRACES_SAMPLER_ARG") !== undefined;
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
  const samplerArg = readNumber(env, "OTEL_TRACES_SAMPLER_ARG", 1, 0, 1);
  if (samplerArgSet && !sampler.endsWith("traceidratio")) {
    // An argument that is ignored is a configuration mistake worth stopping for.
    throw new ConfigError(
      `OTEL_TRACES_SAMPLER_ARG=${
        JSON.stringify(readString(env, "OTEL_TRACES_SAMPLER_ARG"))
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
  const metricExportTimeoutMs = readInt(
    env,
    "OTEL_METRIC_EXPORT_TIMEOUT",
    Math.min(30_000, metricExportIntervalMs),
    1,
    3_600_000,
  );
  if (metricExportTimeoutMs > metricExportIntervalMs) {
    throw new ConfigError(
      `OTEL_METRIC_EXPORT_TIMEOUT="${metricExportTimeoutMs}" is invalid: expected at most OTEL_METRIC_EXPORT_INTERVAL (${metricExportIntervalMs})`,
    );
  }
  return {
    disabled: readBool(env, "OTEL_SDK_DISABLED", false),
    serviceName,
    resourceAttributes,
    traces: readSignal(env, "traces"),
    metrics: readSignal(env, "metrics"),
    logs: readSignal(env, "logs"),
    sampler,
    samplerArg,
    propagators: readPropagators(env),
    metricExportIntervalMs,
    metricExportTimeoutMs,
    spanBatch: readBatch(env, "OTEL_BSP"),
    logBatch: readBatch(env, "OTEL_BLRP"),
    implementation: {
      exporter: readChoice<Implementation>(
        env,
        "SPACE_APP_OTLP_EXPORTER",
        "own",
        ["own", "sdk"],
      ),
    },
  };
}
