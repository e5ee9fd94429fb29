/**
 * Our single-pass OTLP protobuf encoder against the SDK's own serializer:
 * the same spans and log records must decode to the same fields.
 */
import assert from "node:assert/strict";
import {
  context,
  SeverityNumber,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import {
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import { encodeLogs, encodeSpans } from "../telemetry/otlp/encode.ts";
import { ProtoWriter, writeHrTime } from "../telemetry/otlp/protobuf.ts";
import { decode, LOGS_REQUEST, plain, TRACES_REQUEST } from "./_protobuf.ts";

const resource = resourceFromAttributes({
  "service.name": "space-app",
  "service.version": "0.1.0",
  "process.pid": 4242,
  "host.arch": "amd64",
  "unicode": "héllo wörld ✓ 🚀",
});

function sampleSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer("space-app", "0.1.0");
  const other = provider.getTracer("other-scope");
  const parent = tracer.startSpan("GET /work", {
    kind: SpanKind.SERVER,
    attributes: {
      "http.request.method": "GET",
      "http.response.status_code": 200,
      "ratio": 0.25,
      "flag": true,
      "list": ["a", "b"],
      "numbers": [1, 2, 3],
      "negative": -5,
      "long.text": "x".repeat(300),
    },
  });
  const child = tracer.startSpan(
    "compute",
    { attributes: { "work.ms": 20 } },
    trace.setSpan(context.active(), parent),
  );
  child.recordException(new Error("boom"));
  child.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
  child.addLink({
    context: {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
      isRemote: true,
    },
    attributes: { "link.kind": "follows" },
  });
  child.end();
  parent.end();
  other.startSpan("internal", { kind: SpanKind.INTERNAL }).end();
  // Many spans so lengths need multi-byte varints.
  for (let i = 0; i < 200; i++) {
    tracer.startSpan(`span-${i}`, { attributes: { i } }).end();
  }
  return exporter.getFinishedSpans();
}

function sampleLogs() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger("space-app", "0.1.0");
  const span = new TracerProvider().getTracer("t").startSpan("s");
  const ctx = trace.setSpan(context.active(), span);
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: "INFO",
    body: "hello from space-app",
    context: ctx,
  });
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: "ERROR",
    body: "boom",
    attributes: {
      "exception.type": "Error",
      "work.ms": 12,
      nested: { a: 1, b: ["x"] },
    },
  });
  logger.emit({ body: { structured: true }, eventName: "app.event" });
  return exporter.getFinishedLogRecords();
}

Deno.test("spans encode to the same fields as the SDK serializer", () => {
  const spans = sampleSpans();
  const ours = plain(decode(encodeSpans(spans), TRACES_REQUEST));
  const sdk = plain(
    decode(ProtobufTraceSerializer.serializeRequest(spans)!, TRACES_REQUEST),
  );
  assert.deepEqual(stripDefaults(ours), stripDefaults(sdk));
});

Deno.test("log records encode to the same fields as the SDK serializer", () => {
  const records = sampleLogs();
  const ours = plain(decode(encodeLogs(records), LOGS_REQUEST));
  const sdk = plain(
    decode(ProtobufLogsSerializer.serializeRequest(records)!, LOGS_REQUEST),
  );
  assert.deepEqual(stripDefaults(ours), stripDefaults(sdk));
});

Deno.test("a reused writer gives identical bytes", () => {
  const spans = sampleSpans();
  const writer = new ProtoWriter(16); // tiny: forces growth
  const first = encodeSpans(spans, writer);
  const second = encodeSpans(spans, writer);
  assert.deepEqual(first, second);
  assert.ok(first.length > 10_000);
});

Deno.test("HrTime becomes exact fixed64 nanoseconds", () => {
  for (
    const [s, ns] of [[0, 0], [1, 1], [1_700_000_000, 123_456_789], [
      4_102_444_800,
      999_999_999,
    ]]
  ) {
    const w = new ProtoWriter();
    writeHrTime(w, [s, ns]);
    const value = new DataView(w.buf.buffer).getBigUint64(0, true);
    assert.equal(value, BigInt(s) * 1_000_000_000n + BigInt(ns));
  }
});

/**
 * Proto3 treats zero scalars and absent fields alike; the SDK writes some
 * zero counters explicitly and we omit them. Compare without them.
 */
function stripDefaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDefaults);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const list = (v as unknown[]).map(stripDefaults);
      if (list.length === 1 && list[0] === 0) continue;
      out[k] = list;
    }
    return out;
  }
  return value;
}
