/**
 * Counting what a protobuf OTLP/HTTP export request carries: spans (by
 * name), log records (by string body) and metric data points.
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
import { fields, messages, WireType } from "../lib/protobuf.ts";

/** The three OTLP signals, as in the `/v1/<signal>` path. */
export type OtlpSignal = "traces" | "logs" | "metrics";

/** Items found in export requests. */
export interface ExportContents {
  spans: number;
  logRecords: number;
  metricPoints: number;
  /** Span counts by name. */
  spanNames: Map<string, number>;
  /** Log record counts by string body ({@link NON_STRING_BODY} for other bodies). */
  logBodies: Map<string, number>;
}

/** Label of log records whose body is not a string. */
export const NON_STRING_BODY = "(non-string)";

const METRIC_DATA_FIELDS = new Set([5, 7, 9, 10, 11]);
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

/** The string in LEN field `number` of `message` (`fallback` when none). */
function text(message: Uint8Array, number: number, fallback: string): string {
  let out = fallback;
  for (const f of fields(message)) {
    if (f.number === number && f.wireType === WireType.LEN) {
      out = decoder.decode(f.bytes);
    }
  }
  return out;
}

/** Counts the items of a protobuf `Export<Signal>ServiceRequest` into `out`. */
export function countProtobuf(
  signal: OtlpSignal,
  body: Uint8Array,
  out: ExportContents = emptyContents(),
): ExportContents {
  for (const resource of messages(body, 1)) {
    for (const scope of messages(resource, 2)) {
      for (const item of messages(scope, 2)) {
        if (signal === "traces") {
          out.spans++;
          bump(out.spanNames, text(item, 5, ""));
        } else if (signal === "logs") {
          let body = NON_STRING_BODY;
          for (const value of messages(item, 5)) {
            body = text(value, 1, body);
          }
          out.logRecords++;
          bump(out.logBodies, body);
        } else {
          for (const f of fields(item)) {
            if (
              METRIC_DATA_FIELDS.has(f.number) && f.wireType === WireType.LEN
            ) {
              for (const _point of messages(f.bytes, 1)) out.metricPoints++;
            }
          }
        }
      }
    }
  }
  return out;
}
