/**
 * Our OTLP protobuf encoder against the SDK's serializer on what one
 * export carries: 512 spans shaped like space-app's (a SERVER span with
 * the HTTP attributes and its inner span) and 512 log records. `deno task bench:encode`; the figures are in docs/performance.md.
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
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
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

/** The attributes of the service's SERVER span for `GET /`, as it ends. */
const HTTP = {
  "http.request.method": "GET",
  "url.path": "/",
  "url.scheme": "http",
  "server.address": "127.0.0.1",
  "server.port": 8000,
  "client.address": "127.0.0.1",
  "user_agent.original": "wrk",
  "http.response.status_code": 200,
  "http.route": "/",
};

const spanExporter = new InMemorySpanExporter();
const tracer = new TracerProvider({
  resource,
  spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
}).getTracer("space-app", "0.1.0");
const logExporter = new InMemoryLogRecordExporter();
const logger = new LoggerProvider({
  resource,
  processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
}).getLogger("space-app", "0.1.0");

// 512 requests: two spans and one log record each; one export is 512 of either.
for (let i = 0; i < 512; i++) {
  const server = tracer.startSpan("GET /", {
    kind: SpanKind.SERVER,
    attributes: HTTP,
  });
  tracer.startSpan("root-handler").end();
  server.end();
  logger.emit({
    severityNumber: 9,
    severityText: "INFO",
    body: "hello from space-app",
  });
}
const spans = spanExporter.getFinishedSpans().slice(0, 512);
const records = logExporter.getFinishedLogRecords();
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
