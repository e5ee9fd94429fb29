/**
 * Counting what an OTLP/HTTP export request carries: spans (by name), log
 * records (by string body) and metric data points, for both the JSON and
 * the protobuf encoding.
 *
 * Protobuf field numbers, from open-telemetry/opentelemetry-proto
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
import { fields, messages, WireType } from "../lib/protobuf.ts";

/** The three OTLP signals, as in the `/v1/<signal>` path. */
export type OtlpSignal = "traces" | "logs" | "metrics";

/** Items found in one export request. */
export interface ExportContents {
  spans: number;
  logRecords: number;
  metricPoints: number;
  /** Span counts by name. */
  spanNames: Map<string, number>;
  /** Log record counts by string body (`(non-string)` for other bodies). */
  logBodies: Map<string, number>;
}

/** Label of log records whose body is not a string. */
export const NON_STRING_BODY = "(non-string)";

const METRIC_DATA_FIELDS = new Set([5, 7, 9, 10, 11]);
const METRIC_DATA_KEYS = [
  "gauge",
  "sum",
  "histogram",
  "exponentialHistogram",
  "summary",
] as const;

const decoder = new TextDecoder();

/** An empty {@link ExportContents}. */
export function emptyContents(): ExportContents {
  return {
    spans: 0,
    logRecords: 0,
    metricPoints: 0,
    spanNames: new Map(),
    logBodies: new Map(),
  };
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function protoSpan(span: Uint8Array, out: ExportContents): void {
  let name = "";
  for (const f of fields(span)) {
    if (f.number === 5 && f.wireType === WireType.LEN) {
      name = decoder.decode(f.bytes);
    }
  }
  out.spans++;
  bump(out.spanNames, name);
}

function protoLogRecord(record: Uint8Array, out: ExportContents): void {
  let body = NON_STRING_BODY;
  for (const f of fields(record)) {
    if (f.number !== 5 || f.wireType !== WireType.LEN) continue;
    for (const v of fields(f.bytes)) {
      if (v.number === 1 && v.wireType === WireType.LEN) {
        body = decoder.decode(v.bytes);
      }
    }
  }
  out.logRecords++;
  bump(out.logBodies, body);
}

function protoMetric(metric: Uint8Array, out: ExportContents): void {
  for (const f of fields(metric)) {
    if (!METRIC_DATA_FIELDS.has(f.number) || f.wireType !== WireType.LEN) {
      continue;
    }
    for (const _point of messages(f.bytes, 1)) out.metricPoints++;
  }
}

/** Counts the items of a protobuf `Export<Signal>ServiceRequest`. */
export function countProtobuf(
  signal: OtlpSignal,
  body: Uint8Array,
  out: ExportContents = emptyContents(),
): ExportContents {
  for (const resource of messages(body, 1)) {
    for (const scope of messages(resource, 2)) {
      for (const item of messages(scope, 2)) {
        if (signal === "traces") protoSpan(item, out);
        else if (signal === "logs") protoLogRecord(item, out);
        else protoMetric(item, out);
      }
    }
  }
  return out;
}

type Json = Record<string, unknown>;

function list(value: unknown, key: string): Json[] {
  const items = (value as Json | undefined)?.[key];
  return Array.isArray(items) ? (items as Json[]) : [];
}

/** Counts the items of a JSON-encoded `Export<Signal>ServiceRequest`. */
export function countJson(
  signal: OtlpSignal,
  body: unknown,
  out: ExportContents = emptyContents(),
): ExportContents {
  const [resourceKey, scopeKey, itemKey] = signal === "traces"
    ? ["resourceSpans", "scopeSpans", "spans"]
    : signal === "logs"
    ? ["resourceLogs", "scopeLogs", "logRecords"]
    : ["resourceMetrics", "scopeMetrics", "metrics"];
  for (const resource of list(body, resourceKey)) {
    for (const scope of list(resource, scopeKey)) {
      for (const item of list(scope, itemKey)) {
        if (signal === "traces") {
          out.spans++;
          bump(out.spanNames, typeof item.name === "string" ? item.name : "");
        } else if (signal === "logs") {
          const text = (item.body as Json | undefined)?.stringValue;
          out.logRecords++;
          bump(
            out.logBodies,
            typeof text === "string" ? text : NON_STRING_BODY,
          );
        } else {
          for (const key of METRIC_DATA_KEYS) {
            out.metricPoints += list(item[key], "dataPoints").length;
          }
        }
      }
    }
  }
  return out;
}
