/**
 * Builds and registers the trace, meter and logger providers from a
 * {@link TelemetryConfig}, and shuts them down within a deadline.
 *
 * @module
 */
import {
  context,
  type Meter,
  metrics,
  propagation,
  type Sampler,
  trace,
  TraceFlags,
  type Tracer,
} from "@opentelemetry/api";
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import {
  defaultResource,
  type Resource,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import type { BatchConfig, TelemetryConfig } from "./config.ts";
import { releaseEndedSpans, SmallContextManager } from "./context.ts";
import { ExportMonitor, type SignalCounts } from "./export_monitor.ts";
import {
  createLogExporter,
  createMetricExporter,
  createSpanExporter,
} from "./exporters.ts";
import {
  configureLogger,
  type Level,
  type LineSink,
  log,
  type LoggerOptions,
} from "./logger.ts";

/** What the rest of the service uses of the SDK. */
export interface Telemetry {
  /** Tracer of the service's own spans (a no-op one when disabled). */
  readonly tracer: Tracer;
  /** Meter of the service's own instruments (a no-op one when disabled). */
  readonly meter: Meter;
  /** Export counts; `undefined` when the SDK is disabled. */
  readonly monitor: ExportMonitor | undefined;
  /** Flushes all three signals and stops, giving up after `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** `[parentbased_]always_on`, `always_off` or `traceidratio`. */
function createSampler({ sampler, samplerArg }: TelemetryConfig): Sampler {
  const root = sampler.endsWith("always_on")
    ? new AlwaysOnSampler()
    : sampler.endsWith("always_off")
    ? new AlwaysOffSampler()
    : new TraceIdRatioBasedSampler(samplerArg);
  return sampler.startsWith("parentbased_")
    ? new ParentBasedSampler({ root })
    : root;
}

/** The resource: SDK defaults, runtime and host facts, then configured attributes. */
export function createResource(config: TelemetryConfig): Resource {
  const detected: Record<string, string | number> = {
    "service.instance.id": crypto.randomUUID(),
    "process.runtime.name": "deno",
    "process.runtime.version": Deno.version.deno,
    "process.runtime.description": "Deno",
    "process.pid": Deno.pid,
  };
  try {
    const host = Deno.hostname();
    if (host) detected["host.name"] = host;
  } catch {
    // No `--allow-sys=hostname`: leave it out rather than fail.
  }
  return defaultResource()
    .merge(resourceFromAttributes(detected))
    .merge(resourceFromAttributes(config.resourceAttributes));
}

/** Wraps a metric exporter so its results reach the monitor. */
function monitoredMetricExporter(
  inner: PushMetricExporter,
  monitor: ExportMonitor,
): PushMetricExporter {
  return {
    export(batch, done) {
      // Data points, so drops are counted in the same unit as spans.
      const points = batch.scopeMetrics.flatMap((s) => s.metrics)
        .reduce((n, metric) => n + metric.dataPoints.length, 0);
      inner.export(batch, (result) => {
        monitor.counts.metrics.offered += points;
        if (result.code === ExportResultCode.SUCCESS) {
          monitor.exported("metrics", points);
        } else {
          monitor.exportFailed("metrics", points, result.error);
        }
        done(result);
      });
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
    selectAggregationTemporality: inner.selectAggregationTemporality?.bind(
      inner,
    ),
    selectAggregation: inner.selectAggregation?.bind(inner),
  };
}

/** A span processor that counts the sampled spans it is offered. */
function offering(inner: SpanProcessor, counts: SignalCounts): SpanProcessor {
  return {
    onStart: (span, parent) => inner.onStart(span, parent),
    onEnd(span) {
      if (span.spanContext().traceFlags & TraceFlags.SAMPLED) counts.offered++;
      inner.onEnd(span);
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
}

/** A log record processor that counts the records it is offered. */
function offeringLogs(
  inner: LogRecordProcessor,
  counts: SignalCounts,
): LogRecordProcessor {
  return {
    onEmit(record, context) {
      counts.offered++;
      inner.onEmit(record, context);
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
}

/** Options of {@link startTelemetry}. */
export interface StartOptions {
  /** Instrumentation scope of the service's own tracer, meter and logger. */
  readonly scope: string;
  readonly version: string;
  /** Minimum level of the process logger. */
  readonly logLevel?: Level;
  /** Where the logger's JSON lines go (default stdout). */
  readonly logSink?: LineSink;
}

/**
 * Starts the SDK as configured and points the process logger at it.
 * With `OTEL_SDK_DISABLED=true` nothing is registered and the returned
 * tracer and meter are no-ops.
 */
export function startTelemetry(
  config: TelemetryConfig,
  options: StartOptions,
): Telemetry {
  const { scope, version } = options;
  const logTo = (otlp?: LoggerOptions["otlp"]) =>
    configureLogger({
      service: config.serviceName,
      level: options.logLevel,
      sink: options.logSink,
      otlp,
    });
  logTo();
  if (config.disabled) {
    return {
      tracer: trace.getTracer(scope),
      meter: metrics.getMeter(scope),
      monitor: undefined,
      shutdown: () => Promise.resolve(),
    };
  }

  const monitor = new ExportMonitor(log, {
    traces: config.traces.endpoint,
    metrics: config.metrics.endpoint,
    logs: config.logs.endpoint,
  });
  const resource = createResource(config);

  context.setGlobalContextManager(new SmallContextManager().enable());
  const propagators = config.propagators.map((p) =>
    p === "tracecontext"
      ? new W3CTraceContextPropagator()
      : new W3CBaggagePropagator()
  );
  propagation.setGlobalPropagator(new CompositePropagator({ propagators }));

  const metricExporter = createMetricExporter(config.metrics);
  const meterProvider = new MeterProvider({
    resource,
    readers: metricExporter
      ? [
        new PeriodicExportingMetricReader({
          exporter: monitoredMetricExporter(metricExporter, monitor),
          exportIntervalMillis: config.metricExportIntervalMs,
          exportTimeoutMillis: config.metricExportTimeoutMs,
        }),
      ]
      : [],
  });
  metrics.setGlobalMeterProvider(meterProvider);

  // The SDK's batch processors (bounded queues, their own drop counts),
  // our OTLP exporter (measured faster: docs/performance.md).
  const observers = { monitor, meterProvider };
  const impl = config.implementation.exporter;
  /** A batch processor's options: our batch settings in the SDK's terms. */
  const batch = <E>(exporter: E, b: BatchConfig) => ({
    exporter,
    maxQueueSize: b.maxQueueSize,
    maxExportBatchSize: b.maxExportBatchSize,
    scheduledDelayMillis: b.scheduleDelayMs,
    exportTimeoutMillis: b.exportTimeoutMs,
    selfObsMeterProvider: meterProvider,
  });
  const spanExporter = createSpanExporter(config.traces, observers, impl);
  const tracerProvider = new TracerProvider({
    resource,
    sampler: createSampler(config),
    spanProcessors: spanExporter
      ? [
        releaseEndedSpans,
        offering(
          new BatchSpanProcessor(batch(spanExporter, config.spanBatch)),
          monitor.counts.traces,
        ),
      ]
      : [releaseEndedSpans],
  });
  trace.setGlobalTracerProvider(tracerProvider);

  const logExporter = createLogExporter(config.logs, observers, impl);
  const loggerProvider = new LoggerProvider({
    resource,
    processors: logExporter
      ? [
        offeringLogs(
          new BatchLogRecordProcessor(batch(logExporter, config.logBatch)),
          monitor.counts.logs,
        ),
      ]
      : [],
  });
  logTo(logExporter ? loggerProvider.getLogger(scope, version) : undefined);

  let stopped: Promise<void> | undefined;
  const shutdown = (timeoutMs: number): Promise<void> => {
    stopped ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve("timed out"), timeoutMs);
      });
      // Spans and logs first; the meter's final collection then counts their outcome.
      const flushed = Promise.allSettled([
        tracerProvider.shutdown(),
        loggerProvider.shutdown(),
      ]).then(() => meterProvider.shutdown()).catch(() => {})
        .then(() => "complete");
      const outcome = await Promise.race([flushed, deadline]);
      clearTimeout(timer);
      // The OTLP logger is gone now: this line goes to stdout only.
      logTo();
      const c = monitor.counts;
      log.info("telemetry shut down", {
        "telemetry.flush": outcome,
        "telemetry.spans.exported": c.traces.exported,
        "telemetry.spans.dropped": monitor.dropped("traces"),
        "telemetry.logs.exported": c.logs.exported,
        "telemetry.logs.dropped": monitor.dropped("logs"),
        "telemetry.metric_points.exported": c.metrics.exported,
        "telemetry.metric_points.dropped": c.metrics.failed,
      });
    })();
    return stopped;
  };

  return {
    tracer: tracerProvider.getTracer(scope, version),
    meter: meterProvider.getMeter(scope, version),
    monitor,
    shutdown,
  };
}
