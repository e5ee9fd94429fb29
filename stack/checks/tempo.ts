/**
 * Tempo HTTP API: search (`GET /api/search`) and trace by id
 * (`GET /api/v2/traces/<id>`, `GET /api/traces/<id>`), plus the questions
 * the stack test asks of a trace.
 *
 * Shapes (Tempo `tempopb` marshalled with protobuf-JSON, so 64-bit integers
 * are strings, `bytes` ids are base64 and enums are names):
 * - search: `{"traces": [{"traceID", "rootServiceName", "rootTraceName",
 *   "startTimeUnixNano", "durationMs", "spanSet": {...}, "spanSets": [...],
 *   "serviceStats": {...}}], "metrics": {...}}` (`spanSet` is the older
 *   single set, `spanSets` the current list; either may be absent);
 * - trace by id v2: `{"trace": {"resourceSpans": [...]}, "metrics"?, "status"?,
 *   "message"?}`; v1: `{"batches": [...]}`; both OTLP ResourceSpans with
 *   `scopeSpans` (older data: `instrumentationLibrarySpans`); 404 when the
 *   trace is unknown.
 *
 * @module
 */
import {
  ApiError,
  asArray,
  asRecord,
  asString,
  excerpt,
  type HttpAnswer,
  parseJson,
  requireOk,
} from "./common.ts";
import { normalizeSpanId, normalizeTraceId } from "./ids.ts";

/** One span of a search hit's span sets. */
export interface SearchSpan {
  readonly spanId: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** One trace in a search answer. */
export interface TraceHit {
  /** Lowercase hex; Tempo drops leading zeros, restored here to 32 digits. */
  readonly traceId: string;
  readonly rootServiceName: string;
  readonly rootTraceName: string;
  readonly startTimeUnixNano: string;
  readonly durationMs: number;
  /** Matched spans of every span set (`spanSets`, else `spanSet`). */
  readonly spans: readonly SearchSpan[];
}

/** OTLP span kinds, by their short name. */
export type SpanKind =
  | "UNSPECIFIED"
  | "INTERNAL"
  | "SERVER"
  | "CLIENT"
  | "PRODUCER"
  | "CONSUMER";

const KINDS: readonly SpanKind[] = [
  "UNSPECIFIED",
  "INTERNAL",
  "SERVER",
  "CLIENT",
  "PRODUCER",
  "CONSUMER",
];

/** One span of a trace, flattened with its resource's service name. */
export interface TraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** `""` for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly serviceName: string;
  /** `"UNSET"`, `"OK"` or `"ERROR"`. */
  readonly statusCode: string;
}

/** The string form of an OTLP AnyValue (`{"stringValue": "x"}` -> `x`). */
export function anyValueText(value: unknown): string {
  const v = asRecord(value);
  if (!v) return "";
  for (const key of ["stringValue", "intValue", "doubleValue", "boolValue"]) {
    if (key in v) return String(v[key]);
  }
  return "";
}

/** OTLP `[{key, value}]` attributes as a plain map of strings. */
export function attributeMap(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of asArray(list)) {
    const kv = asRecord(item);
    if (kv && typeof kv.key === "string") out[kv.key] = anyValueText(kv.value);
  }
  return out;
}

function searchSpans(set: unknown): SearchSpan[] {
  return asArray(asRecord(set)?.spans).map((item) => {
    const span = asRecord(item) ?? {};
    return {
      spanId: asString(span.spanID),
      name: asString(span.name),
      attributes: attributeMap(span.attributes),
    };
  });
}

/** A search trace id as 32 hex digits (Tempo trims leading zeros). */
function searchTraceId(raw: string): string | undefined {
  const text = raw.trim().toLowerCase();
  if (/^[0-9a-f]{1,32}$/.test(text)) return text.padStart(32, "0");
  return normalizeTraceId(raw);
}

/** The traces of a `/api/search` answer; throws {@link ApiError} on errors. */
export function parseTempoSearch(answer: HttpAnswer): TraceHit[] {
  const api = "Tempo /api/search";
  requireOk(api, answer);
  const json = asRecord(parseJson(api, answer));
  if (!json || !("traces" in json || "metrics" in json)) {
    throw new ApiError(`${api}: no "traces" in ${excerpt(answer.body)}`);
  }
  return asArray(json.traces).flatMap((item) => {
    const t = asRecord(item);
    const traceId = searchTraceId(asString(t?.traceID));
    if (!t || !traceId) return [];
    const sets = Array.isArray(t.spanSets) ? t.spanSets : [t.spanSet];
    return [{
      traceId,
      rootServiceName: asString(t.rootServiceName),
      rootTraceName: asString(t.rootTraceName),
      startTimeUnixNano: asString(t.startTimeUnixNano),
      durationMs: typeof t.durationMs === "number" ? t.durationMs : 0,
      spans: sets.flatMap(searchSpans),
    }];
  });
}

function spanKind(raw: unknown): SpanKind {
  if (typeof raw === "number") return KINDS[raw] ?? "UNSPECIFIED";
  const name = asString(raw).replace(/^SPAN_KIND_/, "");
  return (KINDS as readonly string[]).includes(name)
    ? name as SpanKind
    : "UNSPECIFIED";
}

function statusCode(raw: unknown): string {
  const code = asRecord(raw)?.code;
  if (typeof code === "number") {
    return ["UNSET", "OK", "ERROR"][code] ?? "UNSET";
  }
  return asString(code, "UNSET").replace(/^STATUS_CODE_/, "") || "UNSET";
}

/**
 * Every span of a trace-by-id answer (v2 `{trace: {resourceSpans}}` or v1
 * `{batches}`), ids as lowercase hex whether the body had hex or base64; an
 * empty list for v2's empty `{trace: {}}`. Throws {@link ApiError} on 404
 * ("not found") and other failures.
 */
export function parseTempoTrace(answer: HttpAnswer): TraceSpan[] {
  const api = "Tempo trace by id";
  if (answer.status === 404) {
    throw new ApiError(`${api}: 404 trace not found`);
  }
  requireOk(api, answer);
  const json = asRecord(parseJson(api, answer));
  const trace = asRecord(json?.trace);
  // v2 marshals an empty trace as `{"trace": {}}`: no spans, not a bad shape.
  const resources = trace ? trace.resourceSpans ?? [] : json?.batches;
  if (!Array.isArray(resources)) {
    throw new ApiError(
      `${api}: no trace.resourceSpans or batches in ${excerpt(answer.body)}`,
    );
  }
  const spans: TraceSpan[] = [];
  for (const item of resources) {
    const rs = asRecord(item) ?? {};
    const service = attributeMap(asRecord(rs.resource)?.attributes)[
      "service.name"
    ] ?? "";
    const scopes = asArray(rs.scopeSpans ?? rs.instrumentationLibrarySpans);
    for (const scope of scopes) {
      for (const raw of asArray(asRecord(scope)?.spans)) {
        const s = asRecord(raw) ?? {};
        spans.push({
          traceId: normalizeTraceId(asString(s.traceId)) ?? "",
          spanId: normalizeSpanId(asString(s.spanId)) ?? "",
          parentSpanId: normalizeSpanId(asString(s.parentSpanId)) ?? "",
          name: asString(s.name),
          kind: spanKind(s.kind),
          serviceName: service,
          statusCode: statusCode(s.status),
        });
      }
    }
  }
  return spans;
}

/** The `service.name`s present in a trace, sorted. */
export function serviceNames(spans: readonly TraceSpan[]): string[] {
  return [...new Set(spans.map((s) => s.serviceName))].sort();
}

/** A CLIENT span of one service that is the parent of another's SERVER span. */
export interface CallLink {
  readonly client: TraceSpan;
  readonly server: TraceSpan;
}

/**
 * The first SERVER span of `serverService` whose parent is a CLIENT span of
 * `clientService` in the same trace, or `undefined`.
 */
export function findCallLink(
  spans: readonly TraceSpan[],
  clientService: string,
  serverService: string,
): CallLink | undefined {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const server of spans) {
    if (server.kind !== "SERVER" || server.serviceName !== serverService) {
      continue;
    }
    const client = byId.get(server.parentSpanId);
    if (client?.kind === "CLIENT" && client.serviceName === clientService) {
      return { client, server };
    }
  }
  return undefined;
}

/** A TraceQL string literal (backslash and quote escaped). */
export function traceqlString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
