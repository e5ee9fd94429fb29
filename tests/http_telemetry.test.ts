/**
 * The HTTP middleware and the routes' inner spans, metrics and logs, with
 * in-memory exporters.
 */
import assert from "node:assert/strict";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { Histogram } from "@opentelemetry/sdk-metrics";
import { createApp, PROBE_PATHS } from "../routes/app.ts";
import { httpTelemetry } from "../telemetry/http.ts";
import { createServerInstruments } from "../telemetry/metrics.ts";
import {
  collectMetrics,
  lines,
  logRecords,
  meterProvider,
  pointsOf,
  reset,
  spans,
  tracerProvider,
} from "./_otel.ts";

const instruments = createServerInstruments(
  meterProvider.getMeter("space-app-test"),
);
const app = createApp({
  maxWorkMs: 10_000,
  isDraining: () => false,
  random: () => 0.01, // always log the intermittent warning
  middleware: [
    httpTelemetry({
      tracer: tracerProvider.getTracer("space-app-test"),
      instruments,
      skipPaths: PROBE_PATHS,
    }),
  ],
});

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";

function request(path: string, init: RequestInit = {}) {
  return app.request(`http://space.test:8000${path}`, init, {
    remoteAddr: { hostname: "10.1.2.3" },
  });
}

function serverSpan() {
  const found = spans.getFinishedSpans().filter((s) =>
    s.kind === SpanKind.SERVER
  );
  assert.equal(found.length, 1, "exactly one SERVER span");
  return found[0];
}

Deno.test("GET / gives one SERVER span with the HTTP semantic conventions", async () => {
  reset();
  const res = await request("/", { headers: { "user-agent": "test-agent/1" } });
  assert.equal(res.status, 200);
  const span = serverSpan();
  assert.equal(span.name, "GET /");
  assert.deepEqual(span.attributes, {
    "http.request.method": "GET",
    "url.path": "/",
    "url.scheme": "http",
    "server.address": "space.test",
    "server.port": 8000,
    "client.address": "10.1.2.3",
    "user_agent.original": "test-agent/1",
    "http.route": "/",
    "http.response.status_code": 200,
  });
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  const inner = spans.getFinishedSpans().find((s) => s.name === "root-handler");
  assert.ok(inner, "root-handler span");
  assert.equal(inner.parentSpanContext?.spanId, span.spanContext().spanId);
  assert.equal(inner.spanContext().traceId, span.spanContext().traceId);
});

Deno.test("an incoming traceparent is continued", async () => {
  reset();
  await request("/", {
    headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
  });
  const span = serverSpan();
  assert.equal(span.spanContext().traceId, TRACE_ID);
  assert.equal(span.parentSpanContext?.spanId, PARENT_ID);
  assert.equal(span.parentSpanContext?.isRemote, true);
});

Deno.test("/work: compute is a child of the server span, with work.ms; warning log carries ids", async () => {
  reset();
  await request("/work?ms=5");
  const span = serverSpan();
  assert.equal(span.name, "GET /work");
  assert.equal(span.attributes["http.route"], "/work");
  const compute = spans.getFinishedSpans().find((s) => s.name === "compute");
  assert.ok(compute);
  assert.equal(compute.attributes["work.ms"], 5);
  assert.equal(compute.parentSpanContext?.spanId, span.spanContext().spanId);
  // The warning is logged after the await: the async context must survive it.
  const warning = JSON.parse(lines.find((l) => l.includes("intermittent"))!);
  assert.equal(warning.trace_id, compute.spanContext().traceId);
  assert.equal(warning.span_id, compute.spanContext().spanId);
});

Deno.test("/error: boom has status ERROR and the exception; the server span has error.type", async () => {
  reset();
  const res = await request("/error");
  assert.equal(res.status, 500);
  const span = serverSpan();
  assert.equal(span.name, "GET /error");
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.attributes["error.type"], "Error");
  assert.equal(span.attributes["http.response.status_code"], 500);
  const boom = spans.getFinishedSpans().find((s) => s.name === "boom");
  assert.ok(boom);
  assert.equal(boom.status.code, SpanStatusCode.ERROR);
  const event = boom.events.find((e) => e.name === "exception");
  assert.equal(event?.attributes?.["exception.message"], "boom");
  assert.equal(event?.attributes?.["exception.type"], "Error");
  assert.equal(boom.parentSpanContext?.spanId, span.spanContext().spanId);
});

Deno.test("404 and 405 spans: no route for 404, the route for 405", async () => {
  reset();
  await request("/nope");
  const notFound = serverSpan();
  assert.equal(notFound.name, "GET");
  assert.equal(notFound.attributes["http.route"], undefined);
  assert.equal(notFound.attributes["http.response.status_code"], 404);
  assert.equal(notFound.status.code, SpanStatusCode.UNSET);
  reset();
  await request("/work", { method: "POST" });
  const wrongMethod = serverSpan();
  assert.equal(wrongMethod.name, "POST /work");
  assert.equal(wrongMethod.attributes["http.response.status_code"], 405);
});

Deno.test("an unknown method is recorded as _OTHER with the original", async () => {
  reset();
  await request("/", { method: "FROB" });
  const span = serverSpan();
  assert.equal(span.name, "HTTP /");
  assert.equal(span.attributes["http.request.method"], "_OTHER");
  assert.equal(span.attributes["http.request.method_original"], "FROB");
});

Deno.test("probes create no spans and no request metrics", async () => {
  reset();
  const before = await collectMetrics();
  const countBefore = pointsOf(before, "app_requests_total").reduce(
    (n, p) => n + (p.value as number),
    0,
  );
  await request("/healthz");
  await request("/readyz");
  assert.equal(spans.getFinishedSpans().length, 0);
  const after = await collectMetrics();
  const countAfter = pointsOf(after, "app_requests_total").reduce(
    (n, p) => n + (p.value as number),
    0,
  );
  assert.equal(countAfter, countBefore);
  for (const p of pointsOf(after, "http.server.request.duration")) {
    assert.ok(!String(p.attributes["http.route"]).startsWith("/healthz"));
    assert.ok(!String(p.attributes["http.route"]).startsWith("/readyz"));
  }
});

Deno.test("metrics: seed counters and histograms by route, semconv duration in seconds", async () => {
  reset();
  const sumFor = async (name: string, match: Record<string, unknown>) => {
    const points = pointsOf(await collectMetrics(), name).filter((p) =>
      Object.entries(match).every(([k, v]) => p.attributes[k] === v)
    );
    return points.reduce(
      (n, p) =>
        n +
        (typeof p.value === "number" ? p.value : (p.value as Histogram).count),
      0,
    );
  };
  const requestsBefore = await sumFor("app_requests_total", {
    route: "/error",
  });
  const errorsBefore = await sumFor("app_request_errors_total", {
    route: "/error",
  });
  const msBefore = await sumFor("app_request_duration_ms", { route: "/error" });
  const sBefore = await sumFor("http.server.request.duration", {
    "http.route": "/error",
    "http.response.status_code": 500,
    "error.type": "Error",
  });
  await request("/error");
  await request("/error");
  assert.equal(
    await sumFor("app_requests_total", { route: "/error" }) - requestsBefore,
    2,
  );
  assert.equal(
    await sumFor("app_request_errors_total", { route: "/error" }) -
      errorsBefore,
    2,
  );
  assert.equal(
    await sumFor("app_request_duration_ms", { route: "/error" }) - msBefore,
    2,
  );
  assert.equal(
    await sumFor("http.server.request.duration", {
      "http.route": "/error",
      "http.response.status_code": 500,
      "error.type": "Error",
      "http.request.method": "GET",
      "url.scheme": "http",
    }) - sBefore,
    2,
  );
  const rm = await collectMetrics();
  const seconds = pointsOf(rm, "http.server.request.duration")[0]
    .value as Histogram;
  assert.deepEqual(
    seconds.buckets.boundaries,
    [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  );
  const active = pointsOf(rm, "http.server.active_requests");
  assert.ok(active.length > 0);
  assert.ok(active.every((p) => p.value === 0), "no request is in flight now");
});

Deno.test("http.server.active_requests counts a request while it runs", async () => {
  const inFlight = request("/work?ms=80");
  await new Promise((r) => setTimeout(r, 20));
  const during = pointsOf(await collectMetrics(), "http.server.active_requests")
    .reduce((n, p) => n + (p.value as number), 0);
  assert.equal(during, 1);
  await inFlight;
});

Deno.test("the OTLP log record carries the span's trace context and severity", async () => {
  reset();
  await request("/");
  const span = spans.getFinishedSpans().find((s) => s.name === "root-handler")!;
  const record = logRecords.getFinishedLogRecords().find((r) =>
    r.body === "hello from space-app"
  );
  assert.ok(record);
  assert.equal(record.spanContext?.traceId, span.spanContext().traceId);
  assert.equal(record.spanContext?.spanId, span.spanContext().spanId);
  assert.equal(record.severityText, "INFO");
  assert.equal(record.severityNumber, 9);
  const line = JSON.parse(
    lines.find((l) => l.includes("hello from space-app"))!,
  );
  assert.equal(line.trace_id, span.spanContext().traceId);
  assert.equal(line.span_id, span.spanContext().spanId);
});

Deno.test("request durations reach the SDK in batches, all of them by each collection", async () => {
  const own = createServerInstruments(meterProvider.getMeter("batch-test"));
  const histogramOf = async (name: string) => {
    const points = pointsOf(await collectMetrics(), name).filter((p) =>
      p.attributes["http.route"] === "/batch" || p.attributes.route === "/batch"
    );
    return points.length ? points[0].value as Histogram : undefined;
  };
  const msAttributes = { route: "/batch" };
  const attributes = { "http.route": "/batch", "http.request.method": "GET" };
  // More than one batch: the first 256 go when the batch fills, the rest at collection.
  for (let i = 1; i <= 300; i++) {
    own.durations.record(i, msAttributes, attributes);
  }
  const ms = await histogramOf("app_request_duration_ms");
  assert.equal(ms?.count, 300);
  assert.equal(ms?.sum, 300 * 301 / 2);
  const seconds = await histogramOf("http.server.request.duration");
  assert.equal(seconds?.count, 300);
  assert.ok(Math.abs(seconds!.sum! - 300 * 301 / 2 / 1000) < 1e-9);
  // One value under a batch still arrives with the next collection.
  own.durations.record(7, msAttributes, attributes);
  assert.equal((await histogramOf("app_request_duration_ms"))?.count, 301);
});
