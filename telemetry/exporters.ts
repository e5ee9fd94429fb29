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
import type { Implementation, SignalConfig } from "./config.ts";
import { encodeLogs, encodeSpans } from "./otlp/encode.ts";
import { OtlpProtoExporter } from "./otlp/exporter.ts";

/** Options of our own protobuf exporter (spans and logs are the hot path). */
function protoOptions(config: SignalConfig) {
  return {
    url: config.endpoint,
    headers: config.headers,
    timeoutMs: config.timeoutMs,
    compression: config.compression,
  };
}

function otlpOptions(config: SignalConfig) {
  return {
    url: config.endpoint,
    headers: { ...config.headers },
    timeoutMillis: config.timeoutMs,
    // Two batches on the wire per signal at most; the batcher bounds the rest.
    concurrencyLimit: 4,
    keepAlive: true,
    compression: config.compression as never,
  };
}

/** The span exporter of a signal config, or `undefined` for `none`. */
export function createSpanExporter(
  config: SignalConfig,
  implementation: Implementation = "own",
): SpanExporter | undefined {
  switch (config.exporter) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleSpanExporter();
    case "otlp":
      if (config.protocol === "http/json") {
        return new JsonTraceExporter(otlpOptions(config));
      }
      return implementation === "sdk"
        ? new SdkProtoTraceExporter(otlpOptions(config))
        : new OtlpProtoExporter(protoOptions(config), encodeSpans);
  }
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

/** The log record exporter of a signal config, or `undefined` for `none`. */
export function createLogExporter(
  config: SignalConfig,
  implementation: Implementation = "own",
): LogRecordExporter | undefined {
  switch (config.exporter) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleLogRecordExporter();
    case "otlp":
      if (config.protocol === "http/json") {
        return new JsonLogExporter(otlpOptions(config));
      }
      return implementation === "sdk"
        ? new SdkProtoLogExporter(otlpOptions(config))
        : new OtlpProtoExporter(protoOptions(config), encodeLogs);
  }
}
