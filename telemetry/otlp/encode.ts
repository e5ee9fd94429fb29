/**
 * OTLP protobuf encoding of spans and log records, single pass, written
 * straight from the SDK's readable records (opentelemetry-proto
 * `trace/v1/trace.proto`, `logs/v1/logs.proto`, `common/v1/common.proto`).
 *
 * @module
 */
import type { Attributes, AttributeValue } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import {
  FIXED32,
  FIXED64,
  LEN,
  ProtoWriter,
  VARINT,
  writeHrTime,
} from "./protobuf.ts";

/** What resources and scopes have in common for grouping and encoding. */
interface ResourceLike {
  readonly attributes: Attributes;
  readonly schemaUrl?: string;
}
interface ScopeLike {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  readonly attributes?: Attributes;
}
/** A span or log record: each knows its resource and scope. */
type Scoped = {
  readonly resource: ResourceLike;
  readonly instrumentationScope: ScopeLike;
};

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** `AnyValue` (common.proto): string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7. */
function writeAnyValue(w: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case "string":
      w.tag(1, LEN);
      w.string(value);
      return;
    case "boolean":
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case "number":
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.tag(3, VARINT);
        w.int64(value);
      } else {
        w.tag(4, FIXED64);
        w.double(value);
      }
      return;
    case "object": {
      if (value === null) return;
      if (value instanceof Uint8Array) {
        w.tag(7, LEN);
        w.bytes(value);
      } else if (Array.isArray(value)) {
        w.tag(5, LEN);
        const array = w.begin();
        for (const item of value) {
          w.tag(1, LEN);
          const at = w.begin();
          writeAnyValue(w, item);
          w.end(at);
        }
        w.end(array);
      } else {
        w.tag(6, LEN);
        const list = w.begin();
        writeAttributes(w, value as Record<string, AttributeValue>, 1);
        w.end(list);
      }
      return;
    }
    default:
      return;
  }
}

/** Repeated `KeyValue` {key 1, value 2} as `field`. */
function writeAttributes(
  w: ProtoWriter,
  attributes: Readonly<Record<string, unknown>>,
  field: number,
): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    w.tag(field, LEN);
    const kv = w.begin();
    w.tag(1, LEN);
    w.string(key);
    w.tag(2, LEN);
    const v = w.begin();
    writeAnyValue(w, value);
    w.end(v);
    w.end(kv);
  }
}

/** `Resource` {attributes 1} as `field`. */
function writeResource(
  w: ProtoWriter,
  resource: ResourceLike,
  field: number,
): void {
  w.tag(field, LEN);
  const at = w.begin();
  writeAttributes(w, resource.attributes, 1);
  w.end(at);
}

/** `InstrumentationScope` {name 1, version 2, attributes 3} as `field`. */
function writeScope(w: ProtoWriter, scope: ScopeLike, field: number): void {
  w.tag(field, LEN);
  const at = w.begin();
  w.tag(1, LEN);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, LEN);
    w.string(scope.version);
  }
  if (scope.attributes) writeAttributes(w, scope.attributes, 3);
  w.end(at);
}

/** Groups records by resource, then by scope, by identity (the SDK shares them). */
function group<T extends Scoped>(
  records: readonly T[],
): Map<ResourceLike, Map<ScopeLike, T[]>> {
  const out = new Map<ResourceLike, Map<ScopeLike, T[]>>();
  for (const record of records) {
    const resource = record.resource;
    let scopes = out.get(resource);
    if (!scopes) out.set(resource, scopes = new Map());
    const scope = record.instrumentationScope;
    const list = scopes.get(scope);
    if (list) list.push(record);
    else scopes.set(scope, [record]);
  }
  return out;
}

/** W3C span flags plus the OTLP "has is_remote" bits (trace.proto `SpanFlags`). */
function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0);
}

/** `Span` (trace.proto), fields in number order. */
function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  const ctx = span.spanContext();
  w.tag(1, LEN);
  w.hexBytes(ctx.traceId);
  w.tag(2, LEN);
  w.hexBytes(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.tag(3, LEN);
    w.string(traceState);
  }
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, LEN);
    w.hexBytes(parent.spanId);
  }
  w.tag(5, LEN);
  w.string(span.name);
  // API SpanKind starts at INTERNAL = 0; OTLP reserves 0 for UNSPECIFIED.
  w.tag(6, VARINT);
  w.varint(span.kind + 1);
  w.tag(7, FIXED64);
  writeHrTime(w, span.startTime);
  w.tag(8, FIXED64);
  writeHrTime(w, span.endTime);
  writeAttributes(w, span.attributes, 9);
  if (span.droppedAttributesCount) {
    w.tag(10, VARINT);
    w.varint(span.droppedAttributesCount);
  }
  for (const event of span.events) {
    w.tag(11, LEN);
    const at = w.begin();
    w.tag(1, FIXED64);
    writeHrTime(w, event.time);
    w.tag(2, LEN);
    w.string(event.name);
    if (event.attributes) writeAttributes(w, event.attributes, 3);
    if (event.droppedAttributesCount) {
      w.tag(4, VARINT);
      w.varint(event.droppedAttributesCount);
    }
    w.end(at);
  }
  if (span.droppedEventsCount) {
    w.tag(12, VARINT);
    w.varint(span.droppedEventsCount);
  }
  for (const link of span.links) {
    w.tag(13, LEN);
    const at = w.begin();
    w.tag(1, LEN);
    w.hexBytes(link.context.traceId);
    w.tag(2, LEN);
    w.hexBytes(link.context.spanId);
    const linkState = link.context.traceState?.serialize();
    if (linkState) {
      w.tag(3, LEN);
      w.string(linkState);
    }
    if (link.attributes) writeAttributes(w, link.attributes, 4);
    if (link.droppedAttributesCount) {
      w.tag(5, VARINT);
      w.varint(link.droppedAttributesCount);
    }
    w.tag(6, FIXED32);
    w.fixed32(spanFlags(link.context.traceFlags, link.context.isRemote));
    w.end(at);
  }
  if (span.droppedLinksCount) {
    w.tag(14, VARINT);
    w.varint(span.droppedLinksCount);
  }
  w.tag(15, LEN);
  const status = w.begin();
  if (span.status.message) {
    w.tag(2, LEN);
    w.string(span.status.message);
  }
  if (span.status.code) {
    w.tag(3, VARINT);
    w.varint(span.status.code);
  }
  w.end(status);
  w.tag(16, FIXED32);
  w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));
}

/** `ExportTraceServiceRequest` {resource_spans 1 {resource 1, scope_spans 2 {scope 1, spans 2}}}. */
export function encodeSpans(
  spans: readonly ReadableSpan[],
  w = new ProtoWriter(),
): Uint8Array {
  return encodeRequest(spans, w, writeSpan);
}

/** `LogRecord` (logs.proto), fields in number order. */
function writeLogRecord(w: ProtoWriter, record: ReadableLogRecord): void {
  w.tag(1, FIXED64);
  writeHrTime(w, record.hrTime);
  if (record.severityNumber) {
    w.tag(2, VARINT);
    w.varint(record.severityNumber);
  }
  if (record.severityText) {
    w.tag(3, LEN);
    w.string(record.severityText);
  }
  if (record.body !== undefined) {
    w.tag(5, LEN);
    const at = w.begin();
    writeAnyValue(w, record.body);
    w.end(at);
  }
  writeAttributes(w, record.attributes, 6);
  if (record.droppedAttributesCount) {
    w.tag(7, VARINT);
    w.varint(record.droppedAttributesCount);
  }
  const ctx = record.spanContext;
  if (ctx) {
    w.tag(8, FIXED32);
    w.fixed32(ctx.traceFlags & 0xff);
    w.tag(9, LEN);
    w.hexBytes(ctx.traceId);
    w.tag(10, LEN);
    w.hexBytes(ctx.spanId);
  }
  w.tag(11, FIXED64);
  writeHrTime(w, record.hrTimeObserved);
  if (record.eventName) {
    w.tag(12, LEN);
    w.string(record.eventName);
  }
}

/** `ExportLogsServiceRequest` {resource_logs 1 {resource 1, scope_logs 2 {scope 1, log_records 2}}}. */
export function encodeLogs(
  records: readonly ReadableLogRecord[],
  w = new ProtoWriter(),
): Uint8Array {
  return encodeRequest(records, w, writeLogRecord);
}

/**
 * The export request shape traces and logs share: field 1 repeats
 * {resource 1, scope groups 2 {scope 1, records 2, schema_url 3}, schema_url 3}.
 */
function encodeRequest<T extends Scoped>(
  records: readonly T[],
  w: ProtoWriter,
  writeRecord: (w: ProtoWriter, record: T) => void,
): Uint8Array {
  w.reset();
  for (const [resource, scopes] of group(records)) {
    w.tag(1, LEN);
    const byResource = w.begin();
    writeResource(w, resource, 1);
    for (const [scope, list] of scopes) {
      w.tag(2, LEN);
      const byScope = w.begin();
      writeScope(w, scope, 1);
      for (const record of list) {
        w.tag(2, LEN);
        const at = w.begin();
        writeRecord(w, record);
        w.end(at);
      }
      if (scope.schemaUrl) {
        w.tag(3, LEN);
        w.string(scope.schemaUrl);
      }
      w.end(byScope);
    }
    if (resource.schemaUrl) {
      w.tag(3, LEN);
      w.string(resource.schemaUrl);
    }
    w.end(byResource);
  }
  return w.finish();
}
