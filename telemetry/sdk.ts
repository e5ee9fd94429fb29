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
  type Tracer,
} from "@opentelemetry/api";
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
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
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  BatchLogRecordProcessor,
  LoggerProvider,
} from "@opentelemetry/sdk-logs";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { BatchConfig, Signal, TelemetryConfig } from "./config.ts";
import { ExportMonitor } from "./export_monitor.ts";
import {
  createLogExporter,
  createMetricExporter,
  createSpanExporter,
} from "./exporters.ts";
import { FastIdGenerator } from "./ids.ts";
import { TELEMETRY_DROPPED } from "./instruments.ts";
import { configureLogger, type Level, type LineSink, log } from "./logger.ts";
import { metricOptions } from "./metrics.ts";
import { BoundedLogProcessor, BoundedSpanProcessor } from "./processors.ts";

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

function createSampler(config: TelemetryConfig): Sampler {
  switch (config.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(config.samplerArg);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({
        root: new TraceIdRatioBasedSampler(config.samplerArg),
      });
  }
}

function hostName(): string | undefined {
  try {
    return Deno.hostname();
  } catch {
    return undefined; // no `--allow-sys=hostname`: leave it out rather than fail
  }
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
  const host = hostName();
  if (host) detected["host.name"] = host;
  return defaultResource()
    .merge(resourceFromAttributes(detected))
    .merge(resourceFromAttributes(config.resourceAttributes));
}

/** Counts metric data points so drops are counted in the same unit as spans. */
function dataPoints(batch: ResourceMetrics): number {
  let n = 0;
  for (const scope of batch.scopeMetrics) {
    for (const metric of scope.metrics) n += metric.dataPoints.length;
  }
  return n;
}

/** Wraps a metric exporter so its results reach the monitor. */
function monitoredMetricExporter(
  inner: PushMetricExporter,
  monitor: ExportMonitor,
): PushMetricExporter {
  return {
    export(batch: ResourceMetrics, done: (result: ExportResult) => void) {
      const points = dataPoints(batch);
      inner.export(batch, (result) => {
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

/** Our batch settings in the SDK batch processors' terms. */
function sdkBatch(b: BatchConfig) {
  return {
    maxQueueSize: b.maxQueueSize,
    maxExportBatchSize: b.maxExportBatchSize,
    scheduledDelayMillis: b.scheduleDelayMs,
    exportTimeoutMillis: b.exportTimeoutMs,
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

function disabledTelemetry(scope: string): Telemetry {
  return {
    tracer: trace.getTracer(scope),
    meter: metrics.getMeter(scope),
    monitor: undefined,
    shutdown: () => Promise.resolve(),
  };
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
  configureLogger({
    service: config.serviceName,
    level: options.logLevel,
    sink: options.logSink,
  });
  if (config.disabled) return disabledTelemetry(scope);

  const endpoints: Record<Signal, string> = {
    traces: config.traces.endpoint,
    metrics: config.metrics.endpoint,
    logs: config.logs.endpoint,
  };
  const monitor = new ExportMonitor(log, endpoints);
  const resource = createResource(config);

  context.setGlobalContextManager(
    new AsyncLocalStorageContextManager().enable(),
  );
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

  const { exporter: exporterImpl, processor: processorImpl } =
    config.implementation;
  const spanExporter = createSpanExporter(config.traces, exporterImpl);
  const tracerProvider = new TracerProvider({
    resource,
    idGenerator: new FastIdGenerator(),
    sampler: createSampler(config),
    spanProcessors: spanExporter
      ? [
        processorImpl === "sdk"
          ? new BatchSpanProcessor({
            exporter: spanExporter,
            ...sdkBatch(config.spanBatch),
            selfObsMeterProvider: meterProvider,
          })
          : new BoundedSpanProcessor(spanExporter, config.spanBatch, monitor),
      ]
      : [],
  });
  trace.setGlobalTracerProvider(tracerProvider);

  const logExporter = createLogExporter(config.logs, exporterImpl);
  const loggerProvider = new LoggerProvider({
    resource,
    processors: logExporter
      ? [
        processorImpl === "sdk"
          ? new BatchLogRecordProcessor({
            exporter: logExporter,
            ...sdkBatch(config.logBatch),
            selfObsMeterProvider: meterProvider,
          })
          : new BoundedLogProcessor(logExporter, config.logBatch, monitor),
      ]
      : [],
  });
  configureLogger({
    service: config.serviceName,
    level: options.logLevel,
    sink: options.logSink,
    otlp: logExporter ? loggerProvider.getLogger(scope, version) : undefined,
  });

  const meter = meterProvider.getMeter(scope, version);
  meter.createObservableCounter(
    TELEMETRY_DROPPED.name,
    metricOptions(TELEMETRY_DROPPED),
  )
    .addCallback((result) => {
      for (const [signal, counts] of Object.entries(monitor.counts)) {
        result.observe(counts.droppedQueueFull, {
          signal,
          reason: "queue_full",
        });
        result.observe(counts.droppedExportFailed, {
          signal,
          reason: "export_failed",
        });
      }
    });

  let stopped: Promise<void> | undefined;
  const shutdown = (timeoutMs: number): Promise<void> => {
    stopped ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      // Spans and logs first; the meter's final collection then counts their outcome.
      const flushed = Promise.allSettled([
        tracerProvider.shutdown(),
        loggerProvider.shutdown(),
      ]).then(() => meterProvider.shutdown()).then(
        () => "done" as const,
        () => "done" as const,
      );
      const outcome = await Promise.race([flushed, deadline]);
      clearTimeout(timer);
      // The OTLP logger is gone now: this line goes to stdout only.
      configureLogger({
        service: config.serviceName,
        level: options.logLevel,
        sink: options.logSink,
      });
      const c = monitor.counts;
      log.info("telemetry shut down", {
        "telemetry.flush": outcome === "done" ? "complete" : "timed out",
        "telemetry.spans.exported": c.traces.exported,
        "telemetry.spans.dropped": c.traces.droppedQueueFull +
          c.traces.droppedExportFailed,
        "telemetry.logs.exported": c.logs.exported,
        "telemetry.logs.dropped": c.logs.droppedQueueFull +
          c.logs.droppedExportFailed,
        "telemetry.metric_points.exported": c.metrics.exported,
        "telemetry.metric_points.dropped": c.metrics.droppedExportFailed,
      });
    })();
    return stopped;
  };

  return {
    tracer: tracerProvider.getTracer(scope, version),
    meter,
    monitor,
    shutdown,
  };
}
