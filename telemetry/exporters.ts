/**
 * Exporter construction per signal: OTLP/HTTP (protobuf or JSON), console,
 * or none, from the validated {@link SignalConfig}.
 *
 * @module
 */
import {
  ConsoleSpanExporter,
  type SpanExporter,
} from "@opentelemetry/sdk-trace";
import {
  ConsoleMetricExporter,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import {
  ConsoleLogRecordExporter,
  type LogRecordExporter,
} from "@opentelemetry/sdk-logs";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as SdkProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPTraceExporter as SdkProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { MeterProvider } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { ExporterMetrics } from "@opentelemetry/otlp-exporter-base";
import type { Implementation, Signal, SignalConfig } from "./config.ts";
import type { ExportMonitor } from "./export_monitor.ts";
import { encodeLogs, encodeSpans } from "./otlp/encode.ts";
import { OtlpProtoExporter } from "./otlp/exporter.ts";

/** Who hears how exports end. */
export interface Observers {
  readonly monitor: ExportMonitor;
  /** Where the exporter's self-observability metrics go. */
  readonly meterProvider: MeterProvider;
}

/** The `export(items, callback)` shape of span and log record exporters. */
interface CallbackExporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * `inner`, with the outcome of every export told to the SDK's exporter
 * metrics (`otel.sdk.exporter.span.*`, `.log.*`) and the export monitor.
 */
function observed<T, E extends CallbackExporter<T>>(
  inner: E,
  signal: Signal,
  config: SignalConfig,
  observers: Observers,
): E {
  const metrics = new ExporterMetrics<readonly T[]>({
    componentType: signal === "traces"
      ? "otlp_http_span_exporter"
      : "otlp_http_log_exporter",
    // The item word of the SDK's own exporters: otel.sdk.exporter.span.*, .log.*
    metricsHelper: {
      name: signal === "traces" ? "span" : "log",
      countItems: (items) => items.length,
    },
    meterProvider: observers.meterProvider,
    url: config.endpoint,
    responseAttributesFromError: () => ({}),
  });
  const { monitor } = observers;
  return {
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    shutdown: () => inner.shutdown(),
    export(items: T[], done: (result: ExportResult) => void) {
      const ended = metrics.startExport(items);
      inner.export(items, (result) => {
        const failed = result.code !== ExportResultCode.SUCCESS;
        const error = failed
          ? result.error ?? new Error("export failed")
          : undefined;
        ended(error);
        if (error) monitor.exportFailed(signal, items.length, error);
        else monitor.exported(signal, items.length);
        done(result);
      });
    },
  } as unknown as E;
}

function otlpOptions(config: SignalConfig) {
  return {
    url: config.endpoint,
    headers: { ...config.headers },
    timeoutMillis: config.timeoutMs,
    concurrencyLimit: 4,
    keepAlive: true,
    compression: config.compression as never,
  };
}

/** The exporter of each kind for spans and for log records. */
const KINDS = {
  traces: {
    console: () => new ConsoleSpanExporter(),
    json: (c: SignalConfig) => new JsonTraceExporter(otlpOptions(c)),
    sdk: (c: SignalConfig) => new SdkProtoTraceExporter(otlpOptions(c)),
    encode: encodeSpans,
  },
  logs: {
    console: () => new ConsoleLogRecordExporter(),
    json: (c: SignalConfig) => new JsonLogExporter(otlpOptions(c)),
    sdk: (c: SignalConfig) => new SdkProtoLogExporter(otlpOptions(c)),
    encode: encodeLogs,
  },
};

function exporterOf<S extends "traces" | "logs">(
  signal: S,
  config: SignalConfig,
  observers: Observers,
  implementation: Implementation,
) {
  const kind = KINDS[signal];
  if (config.exporter === "none") return undefined;
  const exporter = config.exporter === "console"
    ? kind.console()
    : config.protocol === "http/json"
    ? kind.json(config)
    : implementation === "sdk"
    ? kind.sdk(config)
    : new OtlpProtoExporter({
      url: config.endpoint,
      headers: config.headers,
      timeoutMs: config.timeoutMs,
      compression: config.compression,
    }, kind.encode as never);
  return observed(exporter, signal, config, observers);
}

/** The span exporter of a signal config, or `undefined` for `none`. */
export function createSpanExporter(
  config: SignalConfig,
  observers: Observers,
  implementation: Implementation = "own",
): SpanExporter | undefined {
  return exporterOf("traces", config, observers, implementation) as
    | SpanExporter
    | undefined;
}

/** The log record exporter of a signal config, or `undefined` for `none`. */
export function createLogExporter(
  config: SignalConfig,
  observers: Observers,
  implementation: Implementation = "own",
): LogRecordExporter | undefined {
  return exporterOf("logs", config, observers, implementation) as
    | LogRecordExporter
    | undefined;
}

/** The metric exporter of a signal config, or `undefined` for `none`. */
export function createMetricExporter(
  config: SignalConfig,
): PushMetricExporter | undefined {
  switch (config.exporter) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleMetricExporter();
    case "otlp":
      return config.protocol === "http/json"
        ? new JsonMetricExporter(otlpOptions(config))
        : new ProtoMetricExporter(otlpOptions(config));
  }
}
