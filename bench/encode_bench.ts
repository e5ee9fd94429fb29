/**
 * Our OTLP protobuf encoder against the SDK's serializer on what one
 * export carries at saturation: 2,048 spans shaped like space-app's (a
 * SERVER span with the HTTP attributes and its inner span) and 1,024 log
 * records. `deno task bench:encode`; the figures are in docs/performance.md.
 *
 * @module
 */
import { SpanKind } from "@opentelemetry/api";
import {
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import { encodeLogs, encodeSpans } from "../telemetry/otlp/encode.ts";
import { ProtoWriter } from "../telemetry/otlp/protobuf.ts";

const resource = resourceFromAttributes({
  "service.name": "space-app",
  "service.namespace": "demo",
  "service.version": "0.1.0",
  "service.instance.id": crypto.randomUUID(),
  "deployment.environment.name": "development",
  "process.runtime.name": "deno",
  "process.pid": 4242,
  "host.name": "space-app-7d9f8",
});

function requestSpans(requests: number): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  }).getTracer("space-app", "0.1.0");
  for (let i = 0; i < requests; i++) {
    const server = tracer.startSpan("GET /", {
      kind: SpanKind.SERVER,
      attributes: {
        "http.request.method": "GET",
        "url.path": "/",
        "url.scheme": "http",
        "server.address": "127.0.0.1",
        "server.port": 8000,
        "client.address": "127.0.0.1",
        "user_agent.original": "wrk",
      },
    });
    tracer.startSpan("root-handler").end();
    server.setAttributes({
      "http.response.status_code": 200,
      "http.route": "/",
    });
    server.end();
  }
  return exporter.getFinishedSpans();
}

function helloRecords(n: number): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const logger = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter })],
  }).getLogger("space-app", "0.1.0");
  for (let i = 0; i < n; i++) {
    logger.emit({
      severityNumber: 9,
      severityText: "INFO",
      body: "hello from space-app",
    });
  }
  return exporter.getFinishedLogRecords();
}

const spans = requestSpans(1_024);
const records = helloRecords(1_024);
const writer = new ProtoWriter();

Deno.bench("spans: our encoder", { group: "spans", baseline: true }, () => {
  encodeSpans(spans, writer);
});
Deno.bench("spans: the SDK's serializer", { group: "spans" }, () => {
  ProtobufTraceSerializer.serializeRequest(spans);
});
Deno.bench("logs: our encoder", { group: "logs", baseline: true }, () => {
  encodeLogs(records, writer);
});
Deno.bench("logs: the SDK's serializer", { group: "logs" }, () => {
  ProtobufLogsSerializer.serializeRequest(records);
});
