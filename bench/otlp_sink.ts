/**
 * A local OTLP/HTTP sink that counts what it receives: spans (by name), log
 * records (by string body) and metric data points, protobuf (as every
 * variant exports), plain or gzip. It answers 200 with an empty export
 * response after counting, so the counts are final once the sender has its
 * answer. It keeps counts only: a full run sends it millions of items.
 *
 * Field numbers, from open-telemetry/opentelemetry-proto
 * (collector/{trace,logs,metrics}/v1/*_service.proto and the data protos):
 * - ExportTraceServiceRequest 1 resource_spans; ResourceSpans 2 scope_spans;
 *   ScopeSpans 2 spans; Span 5 name.
 * - ExportLogsServiceRequest 1 resource_logs; ResourceLogs 2 scope_logs;
 *   ScopeLogs 2 log_records; LogRecord 5 body (AnyValue 1 string_value).
 * - ExportMetricsServiceRequest 1 resource_metrics; ResourceMetrics 2
 *   scope_metrics; ScopeMetrics 2 metrics; Metric oneof data: gauge 5,
 *   sum 7, histogram 9, exponential_histogram 10, summary 11, each with
 *   data_points 1.
 *
 * @module
 */
import { messages } from "../lib/protobuf.ts";

/** The three OTLP signals, as in the `/v1/<signal>` path. */
export type OtlpSignal = "traces" | "logs" | "metrics";

export type OtlpSink = Awaited<ReturnType<typeof startSink>>;

/** Label of log records whose body is not a string. */
export const NON_STRING_BODY = "(non-string)";

const METRIC_DATA_FIELDS = new Set([5, 7, 9, 10, 11]);
const decoder = new TextDecoder();

/** Items found in export requests. */
const emptyContents = () => ({
  spans: 0,
  logRecords: 0,
  metricPoints: 0,
  /** Span counts by name. */
  spanNames: {} as Record<string, number>,
  /** Log record counts by string body ({@link NON_STRING_BODY} for other bodies). */
  logBodies: {} as Record<string, number>,
});

/** Everything the sink received since the last reset. */
const emptyCounts = () => ({
  ...emptyContents(),
  /** Export requests answered 200, per signal. */
  requests: { traces: 0, logs: 0, metrics: 0 },
  /** Requests refused (bad path, method, encoding or body). */
  rejected: 0,
  /** Request body bytes as sent (compressed when gzip). */
  bytes: 0,
});

const bump = (counts: Record<string, number>, key: string, n = 1) =>
  void (counts[key] = (counts[key] ?? 0) + n);

/** The string in LEN field `number` of `message` (`fallback` when none). */
function text(message: Uint8Array, number: number, fallback: string): string {
  let out = fallback;
  for (const bytes of messages(message, number)) out = decoder.decode(bytes);
  return out;
}

/** Counts the items of a protobuf `Export<Signal>ServiceRequest`. */
export function countProtobuf(signal: OtlpSignal, body: Uint8Array) {
  const out = emptyContents();
  for (const resource of messages(body, 1)) {
    for (const scope of messages(resource, 2)) {
      for (const item of messages(scope, 2)) {
        if (signal === "traces") {
          out.spans++;
          bump(out.spanNames, text(item, 5, ""));
        } else if (signal === "logs") {
          let body = NON_STRING_BODY;
          for (const value of messages(item, 5)) body = text(value, 1, body);
          out.logRecords++;
          bump(out.logBodies, body);
        } else {
          for (const number of METRIC_DATA_FIELDS) {
            for (const data of messages(item, number)) {
              for (const _point of messages(data, 1)) out.metricPoints++;
            }
          }
        }
      }
    }
  }
  return out;
}

/** The request body un-gzipped; refuses JSON and other encodings. */
async function readBody(request: Request, raw: ArrayBuffer) {
  if (request.headers.get("content-type")?.toLowerCase().includes("json")) {
    throw new Error("only protobuf is counted, not JSON");
  }
  const encoding = request.headers.get("content-encoding")?.trim();
  if (!encoding || encoding === "identity") return new Uint8Array(raw);
  if (encoding !== "gzip") throw new Error(`unsupported encoding ${encoding}`);
  const plain = new Blob([raw]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(plain).arrayBuffer());
}

/** Starts the sink on a free port of 127.0.0.1. */
export function startSink() {
  let counts = emptyCounts();
  const options = { hostname: "127.0.0.1", port: 0, onListen() {} };
  const server = Deno.serve(options, async (request) => {
    const signal = /^\/v1\/(traces|logs|metrics)$/
      .exec(new URL(request.url).pathname)?.[1] as OtlpSignal | undefined;
    if (!signal || request.method !== "POST") {
      counts.rejected++;
      await request.body?.cancel();
      return new Response(null, { status: signal ? 405 : 404 });
    }
    try {
      const raw = await request.arrayBuffer();
      // Counted apart first: a malformed request adds nothing.
      const c = countProtobuf(signal, await readBody(request, raw));
      for (const key of ["spans", "logRecords", "metricPoints"] as const) {
        counts[key] += c[key];
      }
      for (const key of ["spanNames", "logBodies"] as const) {
        for (const [k, n] of Object.entries(c[key])) bump(counts[key], k, n);
      }
      counts.requests[signal]++;
      counts.bytes += raw.byteLength;
    } catch (error) {
      counts.rejected++;
      return new Response(String(error), { status: 400 });
    }
    // An empty Export*ServiceResponse: zero bytes.
    return new Response(new Uint8Array(0), {
      headers: { "content-type": "application/x-protobuf" },
    });
  });
  return {
    /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    /** A copy of the counts so far. */
    counts: () => structuredClone(counts),
    reset: () => void (counts = emptyCounts()),
    close: () => server.shutdown(),
  };
}
