/**
 * Exporter construction per signal: OTLP/HTTP (protobuf or JSON), console,
 * or none, from the validated {@link SignalConfig}.
 *
 * @module
 */
import { ConsoleSpanExporter } from "@opentelemetry/sdk-trace";
import { ConsoleMetricExporter } from "@opentelemetry/sdk-metrics";
import { ConsoleLogRecordExporter } from "@opentelemetry/sdk-logs";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as SdkProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPTraceExporter as SdkProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { MeterProvider } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { ExporterMetrics } from "@opentelemetry/otlp-exporter-base";
import type { Implementation, SignalConfig } from "./config.ts";
import type { ExportMonitor } from "./export_monitor.ts";
import { encodeLogs, encodeSpans } from "./otlp/encode.ts";
import { OtlpProtoExporter } from "./otlp/exporter.ts";
import type { ProtoWriter } from "./otlp/protobuf.ts";

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

/** The exporter of each kind for the items (spans or log records) of a signal. */
interface Kinds<T> {
  readonly signal: "traces" | "logs";
  /** The item word of the SDK's own exporters: otel.sdk.exporter.span.*, .log.* */
  readonly item: "span" | "log";
  console(): CallbackExporter<T>;
  json(config: SignalConfig): CallbackExporter<T>;
  sdk(config: SignalConfig): CallbackExporter<T>;
  encode(items: readonly T[], writer: ProtoWriter): Uint8Array;
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

/**
 * The exporter creation of one signal: the exporter a config asks for, or
 * `undefined` for `none`, with the outcome of every export told to the SDK's
 * exporter metrics (`otel.sdk.exporter.span.*`, `.log.*`) and the monitor.
 */
function exporterFactory<T>({ signal, item, ...kinds }: Kinds<T>) {
  return (
    config: SignalConfig,
    { monitor, meterProvider }: Observers,
    implementation: Implementation = "own",
  ) => {
    if (config.exporter === "none") return undefined;
    const inner = config.exporter === "console"
      ? kinds.console()
      : config.protocol === "http/json"
      ? kinds.json(config)
      : implementation === "sdk"
      ? kinds.sdk(config)
      : new OtlpProtoExporter({
        url: config.endpoint,
        headers: config.headers,
        timeoutMs: config.timeoutMs,
        compression: config.compression,
      }, kinds.encode);
    const metrics = new ExporterMetrics<readonly T[]>({
      componentType: `otlp_http_${item}_exporter`,
      metricsHelper: { name: item, countItems: (items) => items.length },
      meterProvider,
      url: config.endpoint,
      responseAttributesFromError: () => ({}),
    });
    return {
      forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
      shutdown: () => inner.shutdown(),
      export(items: T[], done: (result: ExportResult) => void) {
        const ended = metrics.startExport(items);
        inner.export(items, (result) => {
          const error = result.code === ExportResultCode.SUCCESS
            ? undefined
            : result.error ?? new Error("export failed");
          ended(error);
          if (error) monitor.exportFailed(signal, items.length, error);
          else monitor.exported(signal, items.length);
          done(result);
        });
      },
    };
  };
}

/** The span exporter of a signal config, or `undefined` for `none`. */
export const createSpanExporter = exporterFactory({
  signal: "traces",
  item: "span",
  console: () => new ConsoleSpanExporter(),
  json: (c) => new JsonTraceExporter(otlpOptions(c)),
  sdk: (c) => new SdkProtoTraceExporter(otlpOptions(c)),
  encode: encodeSpans,
});

/** The log record exporter of a signal config, or `undefined` for `none`. */
export const createLogExporter = exporterFactory({
  signal: "logs",
  item: "log",
  console: () => new ConsoleLogRecordExporter(),
  json: (c) => new JsonLogExporter(otlpOptions(c)),
  sdk: (c) => new SdkProtoLogExporter(otlpOptions(c)),
  encode: encodeLogs,
});

/** The metric exporter of a signal config, or `undefined` for `none`. */
export function createMetricExporter(config: SignalConfig) {
  if (config.exporter === "none") return undefined;
  if (config.exporter === "console") return new ConsoleMetricExporter();
  return config.protocol === "http/json"
    ? new JsonMetricExporter(otlpOptions(config))
    : new ProtoMetricExporter(otlpOptions(config));
}
