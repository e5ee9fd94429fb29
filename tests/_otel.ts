/**
 * In-memory OpenTelemetry for unit tests: providers registered once per
 * process, exporters and the logger's line sink readable by the tests.
 *
 * @module
 */
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import { configureLogger } from "../telemetry/logger.ts";
import {
  releaseEndedSpans,
  SmallContextManager,
} from "../telemetry/context.ts";

/** A reader the test pulls from. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Finished spans. */
export const spans = new InMemorySpanExporter();
/** Emitted OTLP log records. */
export const logRecords = new InMemoryLogRecordExporter();
/** JSON lines the logger wrote. */
export const lines: string[] = [];

const reader = new PullReader();
export const tracerProvider = new TracerProvider({
  spanProcessors: [
    releaseEndedSpans,
    new SimpleSpanProcessor({ exporter: spans }),
  ],
});
export const meterProvider = new MeterProvider({ readers: [reader] });
const loggerProvider = new LoggerProvider({
  processors: [new SimpleLogRecordProcessor({ exporter: logRecords })],
});

// The service's own context machinery, so the tests see what it does.
context.setGlobalContextManager(new SmallContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  }),
);
trace.setGlobalTracerProvider(tracerProvider);
metrics.setGlobalMeterProvider(meterProvider);
configureLogger({
  service: "space-app",
  sink: (line) => lines.push(line),
  otlp: loggerProvider.getLogger("space-app"),
});

/** Clears spans, log records and lines between tests. */
export function reset(): void {
  spans.reset();
  logRecords.reset();
  lines.length = 0;
}

/** Collects current metrics. */
export async function collectMetrics(): Promise<ResourceMetrics> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length) throw errors[0];
  return resourceMetrics;
}

/** The data points of one metric by name, from every meter (empty when absent). */
export function pointsOf(
  rm: ResourceMetrics,
  name: string,
): DataPoint<number | Histogram>[] {
  return rm.scopeMetrics.flatMap((scope) =>
    scope.metrics.filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as DataPoint<number | Histogram>[])
  );
}
