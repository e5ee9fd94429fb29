/**
 * A bounded batching queue in front of an exporter, shared by spans and
 * log records: adding never blocks and never throws, a full queue drops and
 * counts, exports run in the background with a timeout and bounded
 * concurrency.
 *
 * @module
 */
import type { BatchConfig } from "./config.ts";

/** Exports one batch; resolves true on success. Must not throw. */
export type BatchExport<T> = (items: T[]) => Promise<boolean>;

/** Callbacks that observe the batcher. */
export interface BatcherHooks {
  /** `n` items were refused because the queue was full. */
  dropped(n: number): void;
}

/** How many batches may be on the wire at once. */
const MAX_CONCURRENT_EXPORTS = 2;

/** A bounded queue that exports in batches. */
export class Batcher<T> {
  #queue: T[] = [];
  #inFlight = new Set<Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #config: BatchConfig;
  readonly #export: BatchExport<T>;
  readonly #hooks: BatcherHooks;

  constructor(
    config: BatchConfig,
    exportBatch: BatchExport<T>,
    hooks: BatcherHooks,
  ) {
    this.#config = config;
    this.#export = exportBatch;
    this.#hooks = hooks;
  }

  /** Items waiting to be exported. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues one item; drops and counts it when the queue is full or closed. */
  add(item: T): void {
    if (this.#closed || this.#queue.length >= this.#config.maxQueueSize) {
      this.#hooks.dropped(1);
      return;
    }
    this.#queue.push(item);
    if (this.#queue.length >= this.#config.maxExportBatchSize) {
      this.#pump();
    } else {
      this.#schedule();
    }
  }

  /** Arms the delay timer unless it is armed already. */
  #schedule(): void {
    if (this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump(true);
    }, this.#config.scheduleDelayMs);
    // A pending export must not keep a finished process alive.
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Starts exports while there is work and room on the wire. */
  #pump(partial = false): void {
    while (
      this.#inFlight.size < MAX_CONCURRENT_EXPORTS &&
      (this.#queue.length >= this.#config.maxExportBatchSize ||
        (partial && this.#queue.length > 0))
    ) {
      this.#startOne();
    }
    if (this.#queue.length > 0) this.#schedule();
  }

  #startOne(): Promise<void> {
    const batch = this.#queue.length <= this.#config.maxExportBatchSize
      ? this.#queue
      : this.#queue.slice(0, this.#config.maxExportBatchSize);
    this.#queue = batch === this.#queue
      ? []
      : this.#queue.slice(this.#config.maxExportBatchSize);
    const done = this.#export(batch).then(() => {}, () => {}).finally(() => {
      this.#inFlight.delete(done);
      if (this.#queue.length >= this.#config.maxExportBatchSize) this.#pump();
    });
    this.#inFlight.add(done);
    return done;
  }

  /** Exports everything queued now and waits for all exports under way. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const started: Promise<void>[] = [];
    while (this.#queue.length > 0) started.push(this.#startOne());
    await Promise.all([...this.#inFlight, ...started]);
  }

  /** Flushes, then refuses further items. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }
}
