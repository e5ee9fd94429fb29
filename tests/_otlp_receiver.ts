/**
 * An OTLP/HTTP JSON receiver for end-to-end tests: decodes what arrives,
 * or misbehaves on purpose (hang, 5xx, 400) to test export failures.
 *
 * @module
 */

/** How the receiver answers. */
export type ReceiverMode = "ok" | "hang" | "status-503" | "status-400";

/** An OTLP attribute list entry. */
export interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

/** A decoded span with its resource attributes. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number; message?: string };
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  resource: Record<string, unknown>;
}

/** A decoded log record with its resource attributes. */
export interface ReceivedLog {
  traceId?: string;
  spanId?: string;
  severityText?: string;
  severityNumber?: number;
  body: unknown;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

/** A decoded metric (all its data points) with its resource attributes. */
export interface ReceivedMetric {
  name: string;
  unit?: string;
  points: {
    attributes: Record<string, unknown>;
    value: number;
    count?: number;
    bounds?: number[];
  }[];
  resource: Record<string, unknown>;
}

/** The plain value of an OTLP `AnyValue`. */
export function anyValue(value: Record<string, unknown> | undefined): unknown {
  if (!value) return undefined;
  if ("stringValue" in value) return value.stringValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return Number(value.doubleValue);
  if ("boolValue" in value) return value.boolValue;
  if ("arrayValue" in value) {
    return ((value.arrayValue as { values?: Record<string, unknown>[] })
      .values ?? []).map(anyValue);
  }
  return value;
}

/** An attribute list as a plain record. */
export function attributeRecord(
  list: OtlpAttribute[] | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) out[a.key] = anyValue(a.value);
  return out;
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** A running receiver. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  readonly metrics: ReceivedMetric[] = [];
  /** Every request: path and content-type. */
  readonly requests: {
    path: string;
    contentType: string | null;
    body: Uint8Array;
  }[] = [];
  mode: ReceiverMode;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #hanging = new Set<() => void>();

  constructor(mode: ReceiverMode = "ok") {
    this.mode = mode;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
  }

  /** Base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async #handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    const body = new Uint8Array(await req.arrayBuffer());
    this.requests.push({
      path,
      contentType: req.headers.get("content-type"),
      body,
    });
    if (this.mode === "hang") {
      await new Promise<void>((resolve) => this.#hanging.add(resolve));
      return new Response(null, { status: 503 });
    }
    if (this.mode === "status-503") {
      return new Response("unavailable", { status: 503 });
    }
    if (this.mode === "status-400") {
      return new Response("bad request", { status: 400 });
    }
    if (req.headers.get("content-type")?.includes("json")) {
      this.#decode(path, JSON.parse(new TextDecoder().decode(body)));
    }
    return Response.json({});
  }

  #decode(path: string, payload: Json): void {
    if (path === "/v1/traces") {
      for (const rs of payload.resourceSpans ?? []) {
        const resource = attributeRecord(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            this.spans.push({
              ...s,
              attributes: attributeRecord(s.attributes),
              resource,
            });
          }
        }
      }
    } else if (path === "/v1/logs") {
      for (const rl of payload.resourceLogs ?? []) {
        const resource = attributeRecord(rl.resource?.attributes);
        for (const sl of rl.scopeLogs ?? []) {
          for (const r of sl.logRecords ?? []) {
            this.logs.push({
              ...r,
              body: anyValue(r.body),
              attributes: attributeRecord(r.attributes),
              resource,
            });
          }
        }
      }
    } else if (path === "/v1/metrics") {
      for (const rm of payload.resourceMetrics ?? []) {
        const resource = attributeRecord(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) {
            const data = m.sum ?? m.gauge ?? m.histogram ?? {};
            this.metrics.push({
              name: m.name,
              unit: m.unit,
              resource,
              points: (data.dataPoints ?? []).map((p: Json) => ({
                attributes: attributeRecord(p.attributes),
                value: Number(p.asInt ?? p.asDouble ?? p.sum ?? 0),
                count: p.count === undefined ? undefined : Number(p.count),
                bounds: p.explicitBounds,
              })),
            });
          }
        }
      }
    }
  }

  /** Releases hanging requests and stops listening. */
  async close(): Promise<void> {
    for (const release of this.#hanging) release();
    await this.#server.shutdown();
  }
}
