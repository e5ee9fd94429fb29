/**
 * The bench's OTLP sink: counting spans, log records and metric data points
 * in hand-encoded protobuf, gzip or not, and end to end with the SDK's
 * protobuf OTLP exporters.
 */
import assert from "node:assert/strict";
import { SpanKind } from "@opentelemetry/api";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import {
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import {
  countProtobuf,
  NON_STRING_BODY,
  startSink,
} from "../bench/otlp_sink.ts";
import {
  fields,
  lenField,
  ProtobufError,
  readVarint,
  writeVarint,
} from "../lib/protobuf.ts";

const enc = new TextEncoder();

/** A LEN field holding a UTF-8 string. */
function str(number: number, text: string): number[] {
  return lenField(number, enc.encode(text));
}

/** A VARINT field. */
function varint(number: number, value: number): number[] {
  const out: number[] = [];
  writeVarint(out, number * 8);
  writeVarint(out, value);
  return out;
}

/** A fixed64 field (wire type 1). */
function fixed64(number: number): number[] {
  const out: number[] = [];
  writeVarint(out, number * 8 + 1);
  return [...out, 1, 2, 3, 4, 5, 6, 7, 8];
}

function span(name: string): number[] {
  return [
    ...lenField(1, new Uint8Array(16)), // trace_id
    ...lenField(2, new Uint8Array(8)), // span_id
    ...str(5, name),
    ...varint(6, 2), // kind SERVER
    ...fixed64(7),
    ...fixed64(8),
  ];
}

function logRecord(body: string | number): number[] {
  const anyValue = typeof body === "string" ? str(1, body) : varint(3, body); // int_value
  return [...fixed64(1), ...varint(2, 9), ...lenField(5, anyValue)];
}

/** ExportTraceServiceRequest with spans split over two resources and scopes. */
function traceRequest(): Uint8Array {
  const resource = lenField(1, str(1, "ignored resource"));
  const scopeA = lenField(2, [
    ...lenField(1, str(1, "scope-a")),
    ...lenField(2, span("GET /")),
    ...lenField(2, span("root-handler")),
  ]);
  const scopeB = lenField(2, [...lenField(2, span("GET /"))]);
  return new Uint8Array([
    ...lenField(1, [...resource, ...scopeA, ...scopeB]),
    ...lenField(1, [...lenField(2, lenField(2, span("other")))]),
  ]);
}

function logsRequest(): Uint8Array {
  return new Uint8Array(lenField(1, [
    ...lenField(1, []),
    ...lenField(2, [
      ...lenField(2, logRecord("hello from space-app")),
      ...lenField(2, logRecord("hello from space-app")),
      ...lenField(2, logRecord(7)),
    ]),
  ]));
}

function metricsRequest(): Uint8Array {
  const point = [...fixed64(3), ...fixed64(4)];
  const metric = (dataField: number, points: number) => [
    ...str(1, `m${dataField}`),
    ...lenField(dataField, [
      ...Array.from({ length: points }, () => lenField(1, point)).flat(),
      ...varint(2, 2), // aggregation_temporality: not a data point
    ]),
  ];
  return new Uint8Array(lenField(1, [
    ...lenField(2, [
      ...lenField(2, metric(5, 1)), // gauge
      ...lenField(2, metric(7, 2)), // sum
      ...lenField(2, metric(9, 3)), // histogram
      ...lenField(2, metric(10, 1)), // exponential_histogram
      ...lenField(2, metric(11, 2)), // summary
      ...lenField(2, str(1, "no data")),
    ]),
  ]));
}

async function gzip(bytes: Uint8Array | string): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("varints round-trip, including values past 2^32", () => {
  for (const value of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 35 + 7, 2 ** 52]) {
    const out: number[] = [];
    writeVarint(out, value);
    assert.deepEqual(readVarint(new Uint8Array(out), 0), [value, out.length]);
  }
});

Deno.test("the walker rejects truncated and group-encoded input", () => {
  assert.throws(() => [...fields(new Uint8Array([0x0a, 5, 1]))], ProtobufError);
  assert.throws(() => [...fields(new Uint8Array([0x80]))], ProtobufError);
  assert.throws(() => [...fields(new Uint8Array([0x0b]))], ProtobufError);
});

Deno.test("protobuf traces: spans counted by name across resources and scopes", () => {
  const c = countProtobuf("traces", traceRequest());
  assert.equal(c.spans, 4);
  assert.deepEqual(c.spanNames, { "GET /": 2, "root-handler": 1, other: 1 });
});

Deno.test("protobuf logs: records counted by string body", () => {
  const c = countProtobuf("logs", logsRequest());
  assert.equal(c.logRecords, 3);
  assert.deepEqual(c.logBodies, {
    "hello from space-app": 2,
    [NON_STRING_BODY]: 1,
  });
});

Deno.test("protobuf metrics: data points of every data kind", () => {
  assert.equal(countProtobuf("metrics", metricsRequest()).metricPoints, 9);
});

async function post(
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
) {
  const res = await fetch(url, {
    method: "POST",
    body: body as BodyInit,
    headers,
  });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: new Uint8Array(await res.arrayBuffer()),
  };
}

Deno.test("the sink counts protobuf, plain and gzip, answers empty responses, refuses JSON", async () => {
  const sink = await startSink();
  try {
    const proto = { "content-type": "application/x-protobuf" };
    let r = await post(`${sink.endpoint}/v1/traces`, traceRequest(), proto);
    assert.equal(r.status, 200);
    assert.equal(r.type, "application/x-protobuf");
    assert.equal(r.body.length, 0);
    r = await post(`${sink.endpoint}/v1/logs`, await gzip(logsRequest()), {
      ...proto,
      "content-encoding": "gzip",
    });
    assert.equal(r.status, 200);
    await post(`${sink.endpoint}/v1/metrics`, metricsRequest(), proto);

    const c = sink.counts();
    assert.equal(c.spans, 4);
    assert.equal(c.spanNames["GET /"], 2);
    assert.equal(c.logRecords, 3);
    assert.equal(c.logBodies["hello from space-app"], 2);
    assert.equal(c.metricPoints, 9);
    assert.deepEqual(c.requests, { traces: 1, logs: 1, metrics: 1 });
    assert.equal(c.rejected, 0);
    assert.ok(c.bytes > 0);

    assert.equal(
      (await post(`${sink.endpoint}/v1/nope`, "x", proto)).status,
      404,
    );
    const json = await post(`${sink.endpoint}/v1/traces`, "{}", {
      "content-type": "application/json",
    });
    assert.equal(json.status, 400);
    const truncated = new Uint8Array([0x0a, 5, 1]);
    assert.equal(
      (await post(`${sink.endpoint}/v1/traces`, truncated, proto)).status,
      400,
    );
    assert.equal(sink.counts().rejected, 3);
    sink.reset();
    assert.equal(sink.counts().spans, 0);
  } finally {
    await sink.close();
  }
});

// The service's own protobuf encoding is checked end to end by
// `deno task bench --smoke` (received must equal expected exactly).
Deno.test("the sink agrees with the SDK's protobuf OTLP exporters, plain and gzip", async () => {
  const sink = await startSink();
  try {
    const tracerProvider = new TracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor({
          exporter: new ProtoTraceExporter({
            url: `${sink.endpoint}/v1/traces`,
          }),
        }),
        new SimpleSpanProcessor({
          exporter: new ProtoTraceExporter({
            url: `${sink.endpoint}/v1/traces`,
            compression: "gzip" as never,
          }),
        }),
      ],
    });
    const tracer = tracerProvider.getTracer("bench-test");
    tracer.startSpan("GET /", { kind: SpanKind.SERVER }).end();
    tracer.startSpan("root-handler").end();
    await tracerProvider.forceFlush();
    await tracerProvider.shutdown();

    const loggerProvider = new LoggerProvider({
      processors: [
        new SimpleLogRecordProcessor({
          exporter: new ProtoLogExporter({
            url: `${sink.endpoint}/v1/logs`,
            compression: "gzip" as never,
          }),
        }),
      ],
    });
    const logger = loggerProvider.getLogger("bench-test");
    for (let i = 0; i < 3; i++) logger.emit({ body: "hello from space-app" });
    logger.emit({ body: "space-app listening" });
    await loggerProvider.shutdown();

    const reader = new PeriodicExportingMetricReader({
      exporter: new ProtoMetricExporter({
        url: `${sink.endpoint}/v1/metrics`,
        compression: "gzip" as never,
      }),
      exportIntervalMillis: 60_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const meter = meterProvider.getMeter("bench-test");
    const counter = meter.createCounter("requests");
    counter.add(1, { route: "/" });
    counter.add(1, { route: "/work" });
    meter.createHistogram("duration").record(3, { route: "/" });
    await meterProvider.shutdown();

    const c = sink.counts();
    // Each span went out twice: once per exporter (plain, gzip).
    assert.equal(c.spans, 4);
    assert.deepEqual(c.spanNames, { "GET /": 2, "root-handler": 2 });
    assert.equal(c.logRecords, 4);
    assert.equal(c.logBodies["hello from space-app"], 3);
    assert.equal(c.logBodies["space-app listening"], 1);
    assert.equal(c.metricPoints, 3);
    assert.equal(c.rejected, 0);
  } finally {
    await sink.close();
  }
});
