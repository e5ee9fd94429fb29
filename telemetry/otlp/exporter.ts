/**
 * OTLP/HTTP protobuf export over `fetch`: one POST per batch, bounded by a
 * timeout, retrying only what the OTLP spec calls retryable.
 *
 * @module
 */
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { describeError } from "../export_monitor.ts";
import { sleep } from "../../lib/duration.ts";
import { ProtoWriter } from "./protobuf.ts";

/** Statuses the OTLP/HTTP spec says to retry. */
const RETRYABLE = new Set([429, 502, 503, 504]);
/** First back-off; doubled per attempt, capped by what is left of the timeout. */
const FIRST_BACKOFF_MS = 100;
const MAX_ATTEMPTS = 5;

/** Where and how to send. */
export interface OtlpHttpOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: "gzip" | "none";
}

/** An export failure with the endpoint's answer. */
export class OtlpExportError extends Error {
  override name = "OtlpExportError";
}

async function gzip(body: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([body as BlobPart]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** POSTs `body`, retrying retryable answers until the deadline. Resolves on 2xx. */
export async function postOtlp(
  options: OtlpHttpOptions,
  body: Uint8Array,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const headers: Record<string, string> = {
    ...options.headers,
    "content-type": "application/x-protobuf",
  };
  let payload = body;
  if (options.compression === "gzip") {
    payload = await gzip(body);
    headers["content-encoding"] = "gzip";
  }
  let backoff = FIRST_BACKOFF_MS;
  for (let attempt = 1;; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new OtlpExportError(
        `export timed out after ${options.timeoutMs} ms`,
      );
    }
    let retryable: string;
    try {
      const res = await fetch(options.url, {
        method: "POST",
        headers,
        body: payload as BodyInit,
        signal: AbortSignal.timeout(left),
      });
      const text = await res.text();
      if (res.ok) return;
      const reason = `${options.url} answered ${res.status}${
        text ? `: ${text.slice(0, 200)}` : ""
      }`;
      if (!RETRYABLE.has(res.status)) throw new OtlpExportError(reason);
      retryable = reason;
    } catch (error) {
      if (error instanceof OtlpExportError) throw error;
      if (error instanceof DOMException && error.name === "TimeoutError") {
        throw new OtlpExportError(
          `export timed out after ${options.timeoutMs} ms`,
        );
      }
      retryable = `${options.url}: ${describeError(error)}`;
    }
    const wait = Math.min(backoff, deadline - Date.now());
    if (attempt >= MAX_ATTEMPTS || wait <= 0) {
      throw new OtlpExportError(retryable);
    }
    await sleep(wait);
    backoff *= 2;
  }
}

/**
 * A span or log record exporter (the SDK's `export(items, callback)`
 * shape) that encodes with `encode` and posts with {@link postOtlp}.
 */
export class OtlpProtoExporter<T> {
  readonly #options: OtlpHttpOptions;
  readonly #encode: (items: readonly T[], writer: ProtoWriter) => Uint8Array;
  // Encoding is synchronous, so concurrent exports can share one buffer.
  readonly #writer = new ProtoWriter();
  #stopped = false;

  constructor(
    options: OtlpHttpOptions,
    encode: (items: readonly T[], writer: ProtoWriter) => Uint8Array,
  ) {
    this.#options = options;
    this.#encode = encode;
  }

  /** Sends one batch; reports the outcome once through `done`. */
  export(items: T[], done: (result: ExportResult) => void): void {
    if (this.#stopped) {
      done({
        code: ExportResultCode.FAILED,
        error: new OtlpExportError("exporter is shut down"),
      });
      return;
    }
    let body: Uint8Array;
    try {
      body = this.#encode(items, this.#writer);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    postOtlp(this.#options, body).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  /** Nothing is buffered here: the batch processor owns the queue. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Refuses further exports. */
  shutdown(): Promise<void> {
    this.#stopped = true;
    return Promise.resolve();
  }
}
