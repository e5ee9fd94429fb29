/**
 * A stand-in for a backend the native run cannot start (Tempo, Loki): an
 * OTLP/HTTP server on the backend's address and path that decodes what the
 * collector sends (protobuf, gzip as the collector sends it) and keeps the
 * spans or log records for the checks. It proves the collector's side of
 * the hop (endpoint, path, encoding, what a record carries), not the
 * backend's.
 *
 * Field numbers: open-telemetry/opentelemetry-proto trace/v1/trace.proto,
 * logs/v1/logs.proto, common/v1/common.proto.
 *
 * @module
 */
import { fields, messages, WireType } from "../lib/protobuf.ts";

/** A span as the checks see it. */
export interface StoredSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind: 2 SERVER, 3 CLIENT. */
  readonly kind: number;
  readonly serviceName: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A log record as the checks see it. */
export interface StoredLog {
  readonly traceId: string;
  readonly spanId: string;
  readonly serviceName: string;
  readonly severityText: string;
  readonly body: unknown;
  readonly resource: Readonly<Record<string, unknown>>;
}

const text = new TextDecoder();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The plain value of an OTLP AnyValue. */
function anyValue(buf: Uint8Array): unknown {
  for (const f of fields(buf)) {
    switch (f.number) {
      case 1:
        return text.decode(f.bytes);
      case 2:
        return f.varint !== 0;
      case 3:
        return f.varint;
      case 5:
        return [...messages(f.bytes, 1)].map(anyValue);
      case 7:
        return hex(f.bytes);
    }
  }
  return undefined;
}

/** A repeated KeyValue field as a record. */
function attributes(buf: Uint8Array, number: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of messages(buf, number)) {
    let key = "";
    let value: unknown;
    for (const f of fields(kv)) {
      if (f.number === 1) key = text.decode(f.bytes);
      if (f.number === 2) value = anyValue(f.bytes);
    }
    out[key] = value;
  }
  return out;
}

function resourceOf(resourceItems: Uint8Array): Record<string, unknown> {
  const resource = [...messages(resourceItems, 1)][0];
  return resource ? attributes(resource, 1) : {};
}

/** The spans of an `ExportTraceServiceRequest`. */
export function decodeSpans(body: Uint8Array): StoredSpan[] {
  const out: StoredSpan[] = [];
  for (const rs of messages(body, 1)) {
    const resource = resourceOf(rs);
    for (const ss of messages(rs, 2)) {
      for (const span of messages(ss, 2)) {
        const s = {
          traceId: "",
          spanId: "",
          parentSpanId: "",
          name: "",
          kind: 0,
        };
        for (const f of fields(span)) {
          if (f.number === 1) s.traceId = hex(f.bytes);
          else if (f.number === 2) s.spanId = hex(f.bytes);
          else if (f.number === 4) s.parentSpanId = hex(f.bytes);
          else if (f.number === 5) s.name = text.decode(f.bytes);
          else if (f.number === 6 && f.wireType === WireType.VARINT) {
            s.kind = f.varint;
          }
        }
        out.push({
          ...s,
          serviceName: String(resource["service.name"] ?? ""),
          attributes: attributes(span, 9),
        });
      }
    }
  }
  return out;
}

/** The log records of an `ExportLogsServiceRequest`. */
export function decodeLogs(body: Uint8Array): StoredLog[] {
  const out: StoredLog[] = [];
  for (const rl of messages(body, 1)) {
    const resource = resourceOf(rl);
    for (const sl of messages(rl, 2)) {
      for (const record of messages(sl, 2)) {
        let traceId = "";
        let spanId = "";
        let severityText = "";
        let value: unknown;
        for (const f of fields(record)) {
          if (f.number === 3) severityText = text.decode(f.bytes);
          else if (f.number === 5) value = anyValue(f.bytes);
          else if (f.number === 9) traceId = hex(f.bytes);
          else if (f.number === 10) spanId = hex(f.bytes);
        }
        out.push({
          traceId,
          spanId,
          severityText,
          body: value,
          serviceName: String(resource["service.name"] ?? ""),
          resource,
        });
      }
    }
  }
  return out;
}

/** The request body, gunzipped when the sender compressed it. */
async function bodyOf(req: Request): Promise<Uint8Array> {
  const encoding = req.headers.get("content-encoding") ?? "";
  if (encoding === "gzip" && req.body) {
    const plain = req.body.pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(plain).arrayBuffer());
  }
  return new Uint8Array(await req.arrayBuffer());
}

/** A running stand-in. */
export interface StandIn<T> {
  /** What has arrived so far. */
  readonly items: readonly T[];
  /** Export requests refused (wrong path, method or content type). */
  readonly refused: readonly string[];
  close(): Promise<void>;
}

/**
 * Serves `exportPath` (and `/ready`) on 127.0.0.1:`port`, keeping what
 * `decode` finds in each protobuf export request.
 */
export function serveStandIn<T>(
  port: number,
  exportPath: string,
  decode: (body: Uint8Array) => T[],
): StandIn<T> {
  const items: T[] = [];
  const refused: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/ready") return new Response("ready\n");
      const type = req.headers.get("content-type") ?? "";
      if (
        req.method !== "POST" || path !== exportPath ||
        type !== "application/x-protobuf"
      ) {
        refused.push(`${req.method} ${path} ${type}`);
        return new Response("not an OTLP protobuf export\n", { status: 404 });
      }
      try {
        items.push(...decode(await bodyOf(req)));
      } catch (error) {
        refused.push(`${path}: ${(error as Error).message}`);
        return new Response("malformed\n", { status: 400 });
      }
      return new Response(new Uint8Array(0), {
        headers: { "content-type": "application/x-protobuf" },
      });
    },
  );
  return { items, refused, close: () => server.shutdown() };
}
