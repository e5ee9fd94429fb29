/**
 * Loki HTTP API (`GET /loki/api/v1/query_range` with a log query): stream
 * entries with their labels, structured metadata and trace ids.
 *
 * Shape (Loki 3 `pkg/util/marshal/query.go`): `{"status": "success", "data":
 * {"resultType": "streams", "encodingFlags"?: [...], "result": [{"stream":
 * {...}, "values": [[<ns>, <line>], ...]}], "stats": {...}}}`. Asked with the
 * header `X-Loki-Response-Encoding-Flags: categorize-labels`, `stream` keeps
 * only the index labels and each value gains a third element
 * `{"structuredMetadata"?: {...}, "parsed"?: {...}}`; without it, structured
 * metadata and parsed labels are folded into `stream`. Errors are plain text
 * with a 4xx/5xx status.
 *
 * @module
 */
import {
  ApiError,
  asArray,
  asRecord,
  asString,
  asStringMap,
  excerpt,
  type HttpAnswer,
  parseJson,
} from "./common.ts";
import { normalizeTraceId } from "./ids.ts";

/** The request header that asks Loki to keep label categories apart. */
export const LOKI_ENCODING_HEADER = "X-Loki-Response-Encoding-Flags";
/** Its value. */
export const CATEGORIZE_LABELS = "categorize-labels";

/** One log entry with everything Loki said about it. */
export interface LogEntry {
  /** Nanoseconds since the epoch, as Loki wrote it. */
  readonly timestampNs: string;
  readonly line: string;
  /** The stream's labels (with folded metadata when not categorized). */
  readonly labels: Readonly<Record<string, string>>;
  readonly structuredMetadata: Readonly<Record<string, string>>;
  readonly parsed: Readonly<Record<string, string>>;
}

/**
 * The entries of a `query_range` streams answer, in answer order. Throws
 * {@link ApiError} on an error status (Loki's text body quoted), a
 * `status` other than success, or a result type other than streams.
 */
export function parseLokiStreams(answer: HttpAnswer): LogEntry[] {
  const api = "Loki /loki/api/v1/query_range";
  if (answer.status !== 200) {
    throw new ApiError(`${api}: ${answer.status}: ${excerpt(answer.body)}`);
  }
  const json = asRecord(parseJson(api, answer));
  if (json?.status !== "success") {
    throw new ApiError(`${api}: unexpected answer: ${excerpt(answer.body)}`);
  }
  const data = asRecord(json.data);
  const type = asString(data?.resultType);
  if (type !== "streams") {
    throw new ApiError(`${api}: result type is "${type}", expected "streams"`);
  }
  const entries: LogEntry[] = [];
  for (const item of asArray(data?.result)) {
    const stream = asRecord(item);
    const labels = asStringMap(stream?.stream);
    for (const raw of asArray(stream?.values)) {
      const value = asArray(raw);
      const extra = asRecord(value[2]);
      entries.push({
        timestampNs: asString(value[0]),
        line: asString(value[1]),
        labels,
        structuredMetadata: asStringMap(extra?.structuredMetadata),
        parsed: asStringMap(extra?.parsed),
      });
    }
  }
  return entries;
}

/**
 * The trace id of an entry as lowercase hex: from structured metadata, else
 * a stream label (metadata folded in), else a parsed label; `undefined` when
 * absent or not a valid id.
 */
export function entryTraceId(entry: LogEntry): string | undefined {
  const raw = entry.structuredMetadata.trace_id ?? entry.labels.trace_id ??
    entry.parsed.trace_id;
  return raw === undefined ? undefined : normalizeTraceId(raw);
}

/** An entry's severity text wherever Loki put it, upper-cased (`""` if none). */
export function entrySeverity(entry: LogEntry): string {
  const raw = entry.structuredMetadata.severity_text ??
    entry.labels.severity_text ?? entry.parsed.severity_text ??
    entry.labels.detected_level ?? "";
  return raw.toUpperCase();
}

/**
 * Distinct trace ids of the entries, error records first (the traces tail
 * sampling keeps), then in answer order; at most `max`.
 */
export function traceIdsFromLogs(
  entries: readonly LogEntry[],
  max = 20,
): string[] {
  const errors: string[] = [];
  const others: string[] = [];
  for (const entry of entries) {
    const id = entryTraceId(entry);
    if (!id) continue;
    (entrySeverity(entry) === "ERROR" ? errors : others).push(id);
  }
  return [...new Set([...errors, ...others])].slice(0, max);
}

/** A LogQL string literal (backslash and quote escaped). */
export function logqlString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
