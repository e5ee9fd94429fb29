/**
 * Pure parsers of the backends' API answers and the predicates the checks
 * apply, tested against the bodies in `tests/fixtures/stack/` (its README
 * gives each API's shape).
 *
 * @module
 */

export type HttpAnswer = { readonly status: number; readonly body: string };

/** A backend answered, but not with what a check needs; the message says why. */
export class ApiError extends Error {
  override name = "ApiError";
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** The first `max` characters of a body on one line, for error messages. */
export function excerpt(body: string, max = 200): string {
  const line = body.replace(/\s+/g, " ").trim() || "(empty body)";
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

const list = (v: unknown): Json[] => Array.isArray(v) ? v : [];
const text = (v: unknown, fallback = ""): string =>
  typeof v === "string" ? v : fallback;

/**
 * The JSON body of an answer with one of the `ok` statuses; else an
 * {@link ApiError} with the API, the status and the error the body carries
 * (Prometheus' `errorType` and `error`, Grafana's `message`, or the text).
 */
function answerJson(api: string, answer: HttpAnswer, ok = [200]): Json {
  let json: Json;
  try {
    json = JSON.parse(answer.body);
  } catch {
    json = undefined;
  }
  if (!ok.includes(answer.status) || json?.status === "error") {
    const why = json?.errorType
      ? `${json.errorType}: ${text(json.error, "(no message)")}`
      : text(json?.message, excerpt(answer.body));
    throw new ApiError(`${api}: ${answer.status}: ${why}`);
  }
  if (json === undefined) {
    throw new ApiError(`${api}: answer is not JSON: ${excerpt(answer.body)}`);
  }
  return json;
}

/**
 * The `data` of a Prometheus-style answer (Prometheus, Loki):
 * `{"status": "success", "data": {"resultType", "result"}}`, when its
 * result is of `type`.
 */
export function envelopeData(api: string, answer: HttpAnswer, type?: string) {
  const json = answerJson(api, answer);
  if (json?.status !== "success") {
    throw new ApiError(`${api}: unexpected answer: ${excerpt(answer.body)}`);
  }
  const found = text(json.data?.resultType);
  if (type && found !== type) {
    throw new ApiError(`${api}: result type is "${found}", expected "${type}"`);
  }
  return json.data;
}

/** The entries of `expected` not in `found`, in `expected` order. */
export const missingFrom = (expected: string[], found: string[]) =>
  expected.filter((e) => !found.includes(e));

/** A Prometheus sample value as a number (`"+Inf"`, `"-Inf"`, `"NaN"` too). */
export const promValue = (v: string) => Number(v.replace(/Inf$/, "Infinity"));

/** The samples of a `/api/v1/query` answer whose result is a vector. */
export function parsePromVector(answer: HttpAnswer) {
  const data = envelopeData("Prometheus /api/v1/query", answer, "vector");
  return list(data.result).map((s) => ({
    /** Labels, `__name__` included. */
    metric: { ...s?.metric } as Record<string, string>,
    /** Evaluation time, Unix seconds. */
    time: Number(s?.value?.[0]),
    value: promValue(text(s?.value?.[1], "NaN")),
  }));
}

export type PromSample = ReturnType<typeof parsePromVector>[number];

export function labelValues(samples: PromSample[], label: string): string[] {
  return [...new Set(samples.flatMap((s) => s.metric[label] ?? []))].sort();
}

/**
 * A trace (16 bytes) or span (8) id in hex (OTLP/JSON; Tempo's search
 * trims leading zeros) or base64 (Tempo's protobuf-JSON) as lowercase hex;
 * `""` for an empty or all-zero id (no parent), `undefined` for neither.
 * 16 bytes are 32 hex or 24 base64 characters, 8 bytes 16 or 12.
 */
function normalizeId(raw: string, size: 8 | 16, trimmed = false) {
  let id = raw.trim();
  const hex = new RegExp(
    `^[0-9a-f]{${trimmed ? 1 : size * 2},${size * 2}}$`,
    "i",
  );
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (
    !hex.test(id) && id.length === Math.ceil(size / 3) * 4 && base64.test(id)
  ) {
    id = Uint8Array.fromBase64(id).toHex();
  }
  if (id !== "" && !hex.test(id)) return undefined;
  return /^0*$/.test(id) ? "" : id.toLowerCase().padStart(size * 2, "0");
}

export const normalizeTraceId = (raw: string, trimmed = false) =>
  normalizeId(raw, 16, trimmed) || undefined;
export const normalizeSpanId = (raw: string) => normalizeId(raw, 8);

/** OTLP span kinds, by number. */
export const SPAN_KINDS = "UNSPECIFIED INTERNAL SERVER CLIENT PRODUCER CONSUMER"
  .split(" ");

/** One span of a trace with its resource's service name; no parent is `""`. */
export type TraceSpan = ReturnType<typeof parseTempoTrace>[number];

/** The trace ids of a Tempo `/api/search` answer. */
export function parseTempoSearch(answer: HttpAnswer): string[] {
  const api = "Tempo /api/search";
  const json = answerJson(api, answer);
  if (!("traces" in Object(json) || "metrics" in Object(json))) {
    throw new ApiError(`${api}: no "traces" in ${excerpt(answer.body)}`);
  }
  return list(json.traces)
    .flatMap((t) => normalizeTraceId(text(t?.traceID), true) ?? []);
}

/**
 * Every span of a Tempo trace-by-id answer: v2 `{"trace": {"resourceSpans"}}`
 * (`{"trace": {}}` has none) or v1 `{"batches"}`, with `scopeSpans` (older:
 * `instrumentationLibrarySpans`); kinds by number or name.
 */
export function parseTempoTrace(answer: HttpAnswer) {
  const api = "Tempo trace by id";
  if (answer.status === 404) throw new ApiError(`${api}: 404 trace not found`);
  const json = answerJson(api, answer);
  const resources = json?.trace
    ? json.trace.resourceSpans ?? []
    : json?.batches;
  if (!Array.isArray(resources)) {
    throw new ApiError(
      `${api}: no trace.resourceSpans or batches in ${excerpt(answer.body)}`,
    );
  }
  return resources.flatMap((rs) => {
    const serviceName = text(
      list(rs?.resource?.attributes).find((a) => a?.key === "service.name")
        ?.value?.stringValue,
    );
    return list(rs?.scopeSpans ?? rs?.instrumentationLibrarySpans)
      .flatMap((scope) => list(scope?.spans)).map((s) => {
        const kind = typeof s?.kind === "number"
          ? SPAN_KINDS[s.kind]
          : text(s?.kind).replace(/^SPAN_KIND_/, "");
        return {
          traceId: normalizeTraceId(text(s?.traceId)) ?? "",
          spanId: normalizeSpanId(text(s?.spanId)) ?? "",
          parentSpanId: normalizeSpanId(text(s?.parentSpanId)) ?? "",
          name: text(s?.name),
          kind: SPAN_KINDS.includes(kind) ? kind : "UNSPECIFIED",
          serviceName,
        };
      });
  });
}

export function serviceNames(spans: readonly TraceSpan[]): string[] {
  return [...new Set(spans.map((s) => s.serviceName))].sort();
}

/** The first SERVER span of `server` whose parent is a CLIENT span of `client`. */
export function findCallLink(
  spans: readonly TraceSpan[],
  client: string,
  server: string,
): { client: TraceSpan; server: TraceSpan } | undefined {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const s of spans) {
    const parent = byId.get(s.parentSpanId);
    if (
      s.kind === "SERVER" && s.serviceName === server &&
      parent?.kind === "CLIENT" && parent.serviceName === client
    ) return { client: parent, server: s };
  }
  return undefined;
}

/** The header that asks Loki to keep stream labels and structured metadata apart. */
export const CATEGORIZE_LABELS = {
  "X-Loki-Response-Encoding-Flags": "categorize-labels",
};

export type LogRecord = { readonly traceId?: string; readonly text: string };

/**
 * The records of a Loki `query_range` streams answer with their trace ids:
 * from structured metadata (a value's third element, asked for with
 * {@link CATEGORIZE_LABELS}), else a stream label (where metadata is folded
 * in without it), else a parsed label.
 */
export function parseLokiStreams(answer: HttpAnswer): LogRecord[] {
  const data = envelopeData("Loki /loki/api/v1/query_range", answer, "streams");
  return list(data.result).flatMap((stream) =>
    list(stream?.values).map((value) => {
      const extra = value?.[2];
      const raw = [extra?.structuredMetadata, stream?.stream, extra?.parsed]
        .map((labels) => labels?.trace_id).find((id) => typeof id === "string");
      return { traceId: normalizeTraceId(raw ?? ""), text: text(value?.[1]) };
    })
  );
}

/**
 * A Grafana state answer whose `state` field is a string, with its `note`:
 * `/api/health` (`database`, `version`; 503 when failing) or a datasource's
 * health (`status`, `message`; 400 unless OK).
 */
function grafanaState(
  answer: HttpAnswer,
  api: string,
  ok: number[],
  state: string,
  note: string,
): Record<string, string> {
  const json = answerJson(api, answer, ok);
  if (typeof json?.[state] !== "string") {
    throw new ApiError(`${api}: no ${state} in ${excerpt(answer.body)}`);
  }
  return { [state]: json[state], [note]: text(json[note]) };
}

export const parseGrafanaHealth = (a: HttpAnswer) =>
  grafanaState(a, "Grafana /api/health", [200, 503], "database", "version");
export const parseDatasourceHealth = (a: HttpAnswer) =>
  grafanaState(a, "Grafana datasource health", [200, 400], "status", "message");

/**
 * The uids of a Grafana list answer: dashboard search hits (other hit types,
 * such as folders, left out) or provisioned alert rules.
 */
export function parseGrafanaUids(api: string, answer: HttpAnswer): string[] {
  const json = answerJson(api, answer);
  if (!Array.isArray(json)) {
    throw new ApiError(`${api}: expected a list: ${excerpt(answer.body)}`);
  }
  return json.filter((x) => x && (x.type ?? "dash-db") === "dash-db")
    .map((x) => text(x.uid));
}
