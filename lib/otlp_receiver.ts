/**
 * An OTLP/HTTP receiver that keeps what it is sent, decoded: spans, log
 * records and metrics, in JSON or protobuf, plain or gzip. The end-to-end
 * tests point the service at it (and make it misbehave: hang, 503, 400);
 * the native stack test puts it where Tempo and Loki would listen.
 *
 * Protobuf field numbers: open-telemetry/opentelemetry-proto
 * trace/v1/trace.proto, logs/v1/logs.proto, common/v1/common.proto.
 *
 * @module
 */
import { fields, messages, WireType } from "./protobuf.ts";

/** How the receiver answers. */
export type ReceiverMode = "ok" | "hang" | "status-503" | "status-400";

/** A span with its resource's attributes. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** `""` for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind: 2 SERVER, 3 CLIENT. */
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly status?: { code?: number; message?: string };
  readonly events: readonly { name: string }[];
  readonly resource: Record<string, unknown>;
}

/** A log record with its resource's attributes. */
export interface ReceivedLog {
  /** `""` when the record carries none. */
  readonly traceId: string;
  readonly spanId: string;
  readonly severityText: string;
  readonly severityNumber?: number;
  readonly body: unknown;
  readonly attributes: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
}

/** A metric (JSON exports only) with all its data points. */
export interface ReceivedMetric {
  readonly name: string;
  readonly unit?: string;
  readonly points: {
    attributes: Record<string, unknown>;
    value: number;
    count?: number;
    bounds?: number[];
  }[];
  readonly resource: Record<string, unknown>;
}

/** Where each signal is accepted; a signal without a path is refused. */
export type ReceiverPaths = Partial<
  Record<"traces" | "logs" | "metrics", string>
>;

/** The standard OTLP/HTTP paths. */
export const OTLP_PATHS: ReceiverPaths = {
  traces: "/v1/traces",
  logs: "/v1/logs",
  metrics: "/v1/metrics",
};

const text = new TextDecoder();

// deno-lint-ignore no-explicit-any
type Json = any;

/** The plain value of a JSON `AnyValue`. */
function jsonValue(value: Json): unknown {
  if (!value) return undefined;
  if ("stringValue" in value) return value.stringValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return Number(value.doubleValue);
  if ("boolValue" in value) return value.boolValue;
  if ("arrayValue" in value) {
    return (value.arrayValue.values ?? []).map(jsonValue);
  }
  return value;
}

function jsonAttributes(list: Json[] | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (list ?? []).map((a) => [a.key, jsonValue(a.value)]),
  );
}

/** Each item with its resource's attributes (`resource*` > `scope*` > item). */
function jsonItems(list: Json[] | undefined, scopes: string, items: string) {
  return (list ?? []).flatMap((r: Json) => {
    const resource = jsonAttributes(r.resource?.attributes);
    return (r[scopes] ?? []).flatMap((s: Json) =>
      (s[items] ?? []).map((item: Json) => ({ resource, item }))
    );
  });
}

/** The spans of an `ExportTraceServiceRequest` in JSON. */
function jsonSpans(payload: Json): ReceivedSpan[] {
  const spans = jsonItems(payload.resourceSpans, "scopeSpans", "spans");
  return spans.map(({ resource, item: s }) => ({
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? "",
    name: s.name,
    kind: s.kind,
    attributes: jsonAttributes(s.attributes),
    status: s.status,
    events: s.events ?? [],
    resource,
  }));
}

/** The log records of an `ExportLogsServiceRequest` in JSON. */
function jsonLogs(payload: Json): ReceivedLog[] {
  const logs = jsonItems(payload.resourceLogs, "scopeLogs", "logRecords");
  return logs.map(({ resource, item: r }) => ({
    traceId: r.traceId ?? "",
    spanId: r.spanId ?? "",
    severityText: r.severityText ?? "",
    severityNumber: r.severityNumber,
    body: jsonValue(r.body),
    attributes: jsonAttributes(r.attributes),
    resource,
  }));
}

/** The metrics of an `ExportMetricsServiceRequest` in JSON. */
function jsonMetrics(payload: Json): ReceivedMetric[] {
  const metrics = jsonItems(payload.resourceMetrics, "scopeMetrics", "metrics");
  return metrics.map(({ resource, item: m }) => {
    const data = m.sum ?? m.gauge ?? m.histogram ?? {};
    return {
      name: m.name,
      unit: m.unit,
      resource,
      points: (data.dataPoints ?? []).map((p: Json) => ({
        attributes: jsonAttributes(p.attributes),
        value: Number(p.asInt ?? p.asDouble ?? p.sum ?? 0),
        count: p.count === undefined ? undefined : Number(p.count),
        bounds: p.explicitBounds,
      })),
    };
  });
}

/** The plain value of a protobuf `AnyValue`. */
function protoValue(buf: Uint8Array): unknown {
  for (const f of fields(buf)) {
    if (f.number === 1) return text.decode(f.bytes);
    if (f.number === 2) return f.varint !== 0;
    if (f.number === 3) return f.varint;
    if (f.number === 5) return [...messages(f.bytes, 1)].map(protoValue);
    if (f.number === 7) return f.bytes.toHex();
  }
  return undefined;
}

/** A repeated protobuf KeyValue field as a record. */
function protoAttributes(buf: Uint8Array, number: number) {
  const out: Record<string, unknown> = {};
  for (const kv of messages(buf, number)) {
    let key = "";
    let value: unknown;
    for (const f of fields(kv)) {
      if (f.number === 1) key = text.decode(f.bytes);
      if (f.number === 2) value = protoValue(f.bytes);
    }
    out[key] = value;
  }
  return out;
}

/** Resource attributes, then each scope's items (`Resource*` > scope > item). */
function* protoItems(body: Uint8Array) {
  for (const rs of messages(body, 1)) {
    const resourceMsg = [...messages(rs, 1)][0];
    const resource = resourceMsg ? protoAttributes(resourceMsg, 1) : {};
    for (const scope of messages(rs, 2)) {
      for (const item of messages(scope, 2)) yield { resource, item };
    }
  }
}

/** The spans of an `ExportTraceServiceRequest` in protobuf. */
export function decodeProtoSpans(body: Uint8Array): ReceivedSpan[] {
  return [...protoItems(body)].map(({ resource, item }) => {
    const s = { traceId: "", spanId: "", parentSpanId: "", name: "", kind: 0 };
    let status: ReceivedSpan["status"];
    const events: { name: string }[] = [];
    for (const f of fields(item)) {
      if (f.number === 1) s.traceId = f.bytes.toHex();
      else if (f.number === 2) s.spanId = f.bytes.toHex();
      else if (f.number === 4) s.parentSpanId = f.bytes.toHex();
      else if (f.number === 5) s.name = text.decode(f.bytes);
      else if (f.number === 6 && f.wireType === WireType.VARINT) {
        s.kind = f.varint;
      } else if (f.number === 11) {
        for (const e of fields(f.bytes)) {
          if (e.number === 2) events.push({ name: text.decode(e.bytes) });
        }
      } else if (f.number === 15) {
        status = {};
        for (const x of fields(f.bytes)) {
          if (x.number === 2) status.message = text.decode(x.bytes);
          if (x.number === 3) status.code = x.varint;
        }
      }
    }
    return {
      ...s,
      attributes: protoAttributes(item, 9),
      status,
      events,
      resource,
    };
  });
}

/** The log records of an `ExportLogsServiceRequest` in protobuf. */
export function decodeProtoLogs(body: Uint8Array): ReceivedLog[] {
  return [...protoItems(body)].map(({ resource, item }) => {
    const r = { traceId: "", spanId: "", severityText: "", severityNumber: 0 };
    let value: unknown;
    for (const f of fields(item)) {
      if (f.number === 2) r.severityNumber = f.varint;
      else if (f.number === 3) r.severityText = text.decode(f.bytes);
      else if (f.number === 5) value = protoValue(f.bytes);
      else if (f.number === 9) r.traceId = f.bytes.toHex();
      else if (f.number === 10) r.spanId = f.bytes.toHex();
    }
    return {
      ...r,
      body: value,
      attributes: protoAttributes(item, 6),
      resource,
    };
  });
}

/** The request body, gunzipped when the sender compressed it. */
async function bodyOf(req: Request): Promise<Uint8Array> {
  if (req.headers.get("content-encoding") === "gzip" && req.body) {
    const plain = req.body.pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(plain).arrayBuffer());
  }
  return new Uint8Array(await req.arrayBuffer());
}

/** A running receiver. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  readonly metrics: ReceivedMetric[] = [];
  /** Every export request: path, content type and body as received. */
  readonly requests: {
    path: string;
    contentType: string | null;
    body: Uint8Array;
  }[] = [];
  /** Requests it could not take (wrong path or content type, bad body). */
  readonly refused: string[] = [];
  mode: ReceiverMode;
  readonly #paths: ReceiverPaths;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #hanging = new Set<() => void>();

  constructor(
    options: {
      mode?: ReceiverMode;
      port?: number;
      paths?: ReceiverPaths;
    } = {},
  ) {
    this.mode = options.mode ?? "ok";
    this.#paths = options.paths ?? OTLP_PATHS;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
  }

  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async #handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    if (path === "/ready") return new Response("ready\n");
    const signal = (Object.keys(this.#paths) as (keyof ReceiverPaths)[])
      .find((k) => this.#paths[k] === path);
    const type = req.headers.get("content-type");
    if (req.method !== "POST" || !signal) {
      this.refused.push(`${req.method} ${path}`);
      return new Response("not an OTLP export path\n", { status: 404 });
    }
    const body = await bodyOf(req);
    this.requests.push({ path, contentType: type, body });
    if (this.mode === "hang") {
      await new Promise<void>((resolve) => this.#hanging.add(resolve));
      return new Response(null, { status: 503 });
    }
    if (this.mode !== "ok") {
      const status = this.mode === "status-503" ? 503 : 400;
      return new Response("refused on purpose\n", { status });
    }
    const json = type?.includes("json");
    if (!json && type !== "application/x-protobuf") {
      this.refused.push(`${path}: content type ${type}`);
      return new Response("unsupported content type\n", { status: 415 });
    }
    try {
      const payload = json ? JSON.parse(text.decode(body)) : undefined;
      if (signal === "traces") {
        this.spans.push(...json ? jsonSpans(payload) : decodeProtoSpans(body));
      } else if (signal === "logs") {
        this.logs.push(...json ? jsonLogs(payload) : decodeProtoLogs(body));
      } else if (json) {
        // Protobuf metrics are taken but not decoded.
        this.metrics.push(...jsonMetrics(payload));
      }
    } catch (error) {
      this.refused.push(`${path}: ${(error as Error).message}`);
      return new Response("malformed\n", { status: 400 });
    }
    return json ? Response.json({}) : new Response(new Uint8Array(0), {
      headers: { "content-type": "application/x-protobuf" },
    });
  }

  /** Releases hanging requests and stops listening. */
  async close(): Promise<void> {
    for (const release of this.#hanging) release();
    await this.#server.shutdown();
  }
}
