/**
 * Span and log record processors over the bounded {@link Batcher}, wired to
 * the {@link ExportMonitor} so every dropped item is counted.
 *
 * @module
 */
import { TraceFlags } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type {
  ReadableSpan,
  SpanExporter,
  SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from "@opentelemetry/sdk-logs";
import { Batcher } from "./batcher.ts";
import type { BatchConfig, Signal } from "./config.ts";
import type { ExportMonitor } from "./export_monitor.ts";

/** The `export(items, callback)` shape shared by span and log exporters. */
interface CallbackExporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/**
 * Runs one export with a deadline and reports it to the monitor.
 * Resolves (never rejects) with whether it succeeded.
 */
export function monitoredExport<T>(
  exporter: CallbackExporter<T>,
  signal: Signal,
  monitor: ExportMonitor,
  timeoutMs: number,
): (items: T[]) => Promise<boolean> {
  return (items) =>
    new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (ok: boolean, error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ok) monitor.exported(signal, items.length);
        else monitor.exportFailed(signal, items.length, error);
        resolve(ok);
      };
      const timer = setTimeout(
        () =>
          settle(false, new Error(`export timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      try {
        exporter.export(items, (result) =>
          settle(
            result.code === ExportResultCode.SUCCESS,
            result.error ?? new Error("export failed"),
          ));
      } catch (error) {
        settle(false, error);
      }
    });
}

/** Batches sampled spans into the exporter. */
export class BoundedSpanProcessor implements SpanProcessor {
  readonly #batcher: Batcher<ReadableSpan>;
  readonly #exporter: SpanExporter;

  constructor(
    exporter: SpanExporter,
    config: BatchConfig,
    monitor: ExportMonitor,
  ) {
    this.#exporter = exporter;
    this.#batcher = new Batcher(
      config,
      monitoredExport(exporter, "traces", monitor, config.exportTimeoutMs),
      { dropped: (n) => monitor.queueFull("traces", n) },
    );
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.#batcher.add(span);
  }

  forceFlush(): Promise<void> {
    return this.#batcher.flush();
  }

  async shutdown(): Promise<void> {
    await this.#batcher.close();
    await this.#exporter.shutdown();
  }
}

/** Batches log records into the exporter. */
export class BoundedLogProcessor implements LogRecordProcessor {
  readonly #batcher: Batcher<ReadableLogRecord>;
  readonly #exporter: LogRecordExporter;

  constructor(
    exporter: LogRecordExporter,
    config: BatchConfig,
    monitor: ExportMonitor,
  ) {
    this.#exporter = exporter;
    this.#batcher = new Batcher(
      config,
      monitoredExport(exporter, "logs", monitor, config.exportTimeoutMs),
      { dropped: (n) => monitor.queueFull("logs", n) },
    );
  }

  onEmit(record: ReadWriteLogRecord): void {
    this.#batcher.add(record);
  }

  forceFlush(): Promise<void> {
    return this.#batcher.flush();
  }

  async shutdown(): Promise<void> {
    await this.#batcher.close();
    await this.#exporter.shutdown();
  }
}
