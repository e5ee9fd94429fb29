/**
 * A local OTLP/HTTP sink that counts what it receives: spans, log records
 * and metric data points, protobuf (as every variant exports), plain or
 * gzip. It answers 200 with an empty export response after counting, so
 * the counts are final once the sender has its answer.
 *
 * @module
 */
import { countProtobuf, emptyContents, type OtlpSignal } from "./otlp_count.ts";

/** Everything received since the last reset. */
export interface SinkCounts {
  spans: number;
  logRecords: number;
  metricPoints: number;
  /** Span counts by name. */
  spanNames: Record<string, number>;
  /** Log record counts by string body. */
  logBodies: Record<string, number>;
  /** Export requests answered 200, per signal. */
  requests: Record<OtlpSignal, number>;
  /** Requests refused (bad path, method, encoding or body). */
  rejected: number;
  /** Request body bytes as sent (compressed when gzip). */
  bytes: number;
}

/** A running sink. */
export interface OtlpSink {
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  /** A copy of the counts so far. */
  counts(): SinkCounts;
  reset(): void;
  close(): Promise<void>;
}

const PATHS: Record<string, OtlpSignal> = {
  "/v1/traces": "traces",
  "/v1/logs": "logs",
  "/v1/metrics": "metrics",
};

function emptyCounts(): SinkCounts {
  return {
    spans: 0,
    logRecords: 0,
    metricPoints: 0,
    spanNames: {},
    logBodies: {},
    requests: { traces: 0, logs: 0, metrics: 0 },
    rejected: 0,
    bytes: 0,
  };
}

/** The request body un-gzipped, and its size as sent; refuses JSON and other encodings. */
async function readBody(request: Request): Promise<[Uint8Array, number]> {
  const type = request.headers.get("content-type") ?? "";
  if (type.toLowerCase().includes("json")) {
    throw new Error("only protobuf is counted, not JSON");
  }
  const raw = await request.arrayBuffer();
  const encoding = request.headers.get("content-encoding")?.trim() ||
    "identity";
  if (encoding === "identity") return [new Uint8Array(raw), raw.byteLength];
  if (encoding !== "gzip") throw new Error(`unsupported encoding ${encoding}`);
  const gunzip = new DecompressionStream("gzip");
  const stream = new Blob([raw]).stream().pipeThrough(gunzip);
  const body = new Uint8Array(await new Response(stream).arrayBuffer());
  return [body, raw.byteLength];
}

/** Starts the sink on a free port of 127.0.0.1. */
export function startSink(): Promise<OtlpSink> {
  let counts = emptyCounts();
  const handler = async (request: Request): Promise<Response> => {
    const signal = PATHS[new URL(request.url).pathname];
    if (!signal || request.method !== "POST") {
      counts.rejected++;
      await request.body?.cancel();
      return new Response(null, { status: signal ? 405 : 404 });
    }
    try {
      const [body, bytes] = await readBody(request);
      const c = countProtobuf(signal, body, emptyContents());
      counts.spans += c.spans;
      counts.logRecords += c.logRecords;
      counts.metricPoints += c.metricPoints;
      for (
        const [to, from] of [[counts.spanNames, c.spanNames], [
          counts.logBodies,
          c.logBodies,
        ]] as const
      ) {
        for (const [key, n] of from) to[key] = (to[key] ?? 0) + n;
      }
      counts.requests[signal]++;
      counts.bytes += bytes;
    } catch (error) {
      counts.rejected++;
      return new Response(String(error), { status: 400 });
    }
    // An empty Export*ServiceResponse: zero bytes.
    return new Response(new Uint8Array(0), {
      headers: { "content-type": "application/x-protobuf" },
    });
  };
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) =>
        resolve({
          endpoint: `http://127.0.0.1:${port}`,
          counts: () => structuredClone(counts),
          reset: () => void (counts = emptyCounts()),
          close: () => server.shutdown(),
        }),
    }, handler);
  });
}
