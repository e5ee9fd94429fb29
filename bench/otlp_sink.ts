/**
 * A local OTLP/HTTP sink that counts what it receives: spans, log records
 * and metric data points, in JSON or protobuf, plain or gzip. It answers
 * 200 with an empty export response after counting, so counts are final
 * once the sender has its answer.
 *
 * @module
 */
import {
  countJson,
  countProtobuf,
  emptyContents,
  type ExportContents,
  type OtlpSignal,
} from "./otlp_count.ts";

/** Everything received so far. */
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
  readonly port: number;
  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  /** A copy of the counts so far. */
  counts(): SinkCounts;
  /** Zeroes the counts. */
  reset(): void;
  /** Stops listening. */
  close(): Promise<void>;
}

/** Distinct names or bodies kept before the rest are counted under `(other)`. */
export const MAX_KEYS = 1_000;

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

function mergeKeys(into: Record<string, number>, from: Map<string, number>) {
  for (const [key, n] of from) {
    const known = key in into || Object.keys(into).length < MAX_KEYS;
    const k = known ? key : "(other)";
    into[k] = (into[k] ?? 0) + n;
  }
}

/** Adds one request's contents to `counts`. */
export function addContents(counts: SinkCounts, c: ExportContents): void {
  counts.spans += c.spans;
  counts.logRecords += c.logRecords;
  counts.metricPoints += c.metricPoints;
  mergeKeys(counts.spanNames, c.spanNames);
  mergeKeys(counts.logBodies, c.logBodies);
}

async function readBody(request: Request): Promise<[Uint8Array, number]> {
  const raw = new Uint8Array(await request.arrayBuffer());
  const encoding = (request.headers.get("content-encoding") ?? "identity")
    .trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return [raw, raw.length];
  if (encoding !== "gzip") {
    throw new Error(`unsupported content-encoding ${encoding}`);
  }
  const stream = new Blob([raw]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return [new Uint8Array(await new Response(stream).arrayBuffer()), raw.length];
}

/**
 * Decodes one export request body and counts it. `contentType` picks the
 * encoding: JSON when it names json, protobuf otherwise.
 */
export function countBody(
  signal: OtlpSignal,
  contentType: string,
  body: Uint8Array,
): ExportContents {
  return contentType.toLowerCase().includes("json")
    ? countJson(signal, JSON.parse(new TextDecoder().decode(body)))
    : countProtobuf(signal, body, emptyContents());
}

/** Starts the sink on 127.0.0.1, on a free port unless `port` is given. */
export function startSink(port = 0): Promise<OtlpSink> {
  let counts = emptyCounts();
  const handler = async (request: Request): Promise<Response> => {
    const signal = PATHS[new URL(request.url).pathname];
    if (!signal || request.method !== "POST") {
      counts.rejected++;
      await request.body?.cancel();
      return new Response(null, { status: signal ? 405 : 404 });
    }
    const contentType = request.headers.get("content-type") ?? "";
    const json = contentType.toLowerCase().includes("json");
    try {
      const [body, wireBytes] = await readBody(request);
      addContents(counts, countBody(signal, contentType, body));
      counts.requests[signal]++;
      counts.bytes += wireBytes;
    } catch (error) {
      counts.rejected++;
      return new Response(
        JSON.stringify({ code: 3, message: String(error) }),
        { status: 400, headers: { "content-type": "application/json" } },
      );
    }
    // An empty Export*ServiceResponse: `{}` in JSON, zero bytes in protobuf.
    return json
      ? new Response("{}", { headers: { "content-type": "application/json" } })
      : new Response(new Uint8Array(0), {
        headers: { "content-type": "application/x-protobuf" },
      });
  };
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: ({ port }) =>
        resolve({
          port,
          endpoint: `http://127.0.0.1:${port}`,
          counts: () => structuredClone(counts),
          reset: () => {
            counts = emptyCounts();
          },
          close: () => server.shutdown(),
        }),
    }, handler);
  });
}
