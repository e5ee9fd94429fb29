/**
 * One loadgen request: its CLIENT span and semantic-convention attributes,
 * the injected `traceparent`, its metrics, and how failures are named.
 */
import assert from "node:assert/strict";
import { metrics, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Histogram } from "@opentelemetry/sdk-metrics";
import { collectMetrics, pointsOf, reset, spans } from "./_otel.ts";
import {
  classifyFailure,
  createLoadgenInstruments,
  type RequestContext,
  sendRequest,
} from "../loadgen/request.ts";
import { freePort } from "./_helpers.ts";

const instruments = createLoadgenInstruments(metrics.getMeter("loadgen-test"));

function context(
  fetchImpl: typeof fetch,
  overrides: Partial<RequestContext> = {},
): RequestContext {
  return {
    target: new URL("http://space-app:8000"),
    tracer: trace.getTracer("loadgen-test"),
    instruments,
    timeoutMs: 1_000,
    cancel: new AbortController().signal,
    userAgent: "space-app-loadgen/test",
    fetch: fetchImpl,
    ...overrides,
  };
}

Deno.test("a CLIENT span with the HTTP client attributes, and traceparent injected", async () => {
  reset();
  let headers: Headers | undefined;
  let url = "";
  const fake = ((input: string, init?: RequestInit) => {
    url = input;
    headers = new Headers(init?.headers);
    return Promise.resolve(new Response('{"ok":true}', { status: 200 }));
  }) as typeof fetch;
  const sent = await sendRequest(
    { route: "/work", pathAndQuery: "/work?ms=120" },
    context(fake),
  );
  assert.equal(url, "http://space-app:8000/work?ms=120");
  assert.equal(sent.result.status, 200);
  assert.equal(sent.unreachable, undefined);

  const [span] = spans.getFinishedSpans();
  assert.equal(span.name, "GET /work");
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.deepEqual(span.attributes, {
    "http.request.method": "GET",
    "server.address": "space-app",
    "server.port": 8000,
    "url.template": "/work",
    "url.full": "http://space-app:8000/work?ms=120",
    "user_agent.original": "space-app-loadgen/test",
    "http.response.status_code": 200,
  });
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  const { traceId, spanId } = span.spanContext();
  assert.equal(headers?.get("traceparent"), `00-${traceId}-${spanId}-01`);
  assert.equal(headers?.get("user-agent"), "space-app-loadgen/test");
});

Deno.test("a 500 is an error with error.type; a refused connection is unreachable", async () => {
  reset();
  const error500 =
    (() =>
      Promise.resolve(new Response("{}", { status: 500 }))) as typeof fetch;
  const sent = await sendRequest(
    { route: "/error", pathAndQuery: "/error" },
    context(error500),
  );
  assert.equal(sent.result.status, 500);
  const [span] = spans.getFinishedSpans();
  assert.equal(span.attributes["error.type"], "500");
  assert.equal(span.status.code, SpanStatusCode.ERROR);

  reset();
  const port = freePort();
  const refused = await sendRequest(
    { route: "/", pathAndQuery: "/" },
    context(fetch, { target: new URL(`http://127.0.0.1:${port}`) }),
  );
  assert.equal(refused.unreachable, "connection_refused");
  assert.deepEqual(
    { ...refused.result, latencyMs: 0 },
    { route: "/", failure: "connection_refused", latencyMs: 0 },
  );
  const [failed] = spans.getFinishedSpans();
  assert.equal(failed.attributes["error.type"], "connection_refused");
  assert.equal(failed.attributes["server.port"], port);
  assert.equal(failed.attributes["http.response.status_code"], undefined);
  assert.equal(failed.status.code, SpanStatusCode.ERROR);
});

Deno.test("a timeout and a cancellation", async () => {
  reset();
  const hang =
    ((_: string, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () =>
          reject(init.signal!.reason));
      })) as typeof fetch;
  const timedOut = await sendRequest(
    { route: "/", pathAndQuery: "/" },
    context(hang, { timeoutMs: 20 }),
  );
  assert.equal(timedOut.result.failure, "timeout");
  assert.equal(timedOut.unreachable, undefined, "a slow target is not down");

  const cancel = new AbortController();
  const pending = sendRequest(
    { route: "/", pathAndQuery: "/" },
    context(hang, { cancel: cancel.signal }),
  );
  cancel.abort();
  const cancelled = await pending;
  assert.equal(cancelled.result.cancelled, true);
  assert.equal(cancelled.result.status, undefined);
});

Deno.test("metrics: client duration and requests by route and outcome", async () => {
  reset();
  const ok =
    (() =>
      Promise.resolve(new Response("{}", { status: 200 }))) as typeof fetch;
  const before = await collectMetrics();
  const okBefore = pointsOf(before, "loadgen.requests")
    .find((p) => p.attributes.route === "/m" && p.attributes.outcome === "ok")
    ?.value as number | undefined;
  for (let i = 0; i < 3; i++) {
    await sendRequest({ route: "/m", pathAndQuery: "/m" }, context(ok));
  }
  const rm = await collectMetrics();
  const requests = pointsOf(rm, "loadgen.requests").find((p) =>
    p.attributes.route === "/m" && p.attributes.outcome === "ok"
  );
  assert.equal(requests?.value, (okBefore ?? 0) + 3);
  const duration = pointsOf(rm, "http.client.request.duration").find((p) =>
    p.attributes["url.template"] === "/m"
  );
  assert.ok(duration);
  assert.deepEqual(duration.attributes, {
    "http.request.method": "GET",
    "server.address": "space-app",
    "server.port": 8000,
    "url.template": "/m",
    "http.response.status_code": 200,
  });
  assert.equal((duration.value as Histogram).count, 3);
  assert.ok((duration.value as Histogram).buckets.boundaries.includes(0.005));
});

Deno.test("failure names", () => {
  const wrap = (message: string) =>
    new TypeError("fetch failed", { cause: new Error(message) });
  assert.deepEqual(
    classifyFailure(
      wrap(
        "error sending request for url (http://x/): client error (Connect): tcp connect error: Connection refused (os error 111)",
      ),
    ),
    { type: "connection_refused", unreachable: true },
  );
  assert.deepEqual(
    classifyFailure(
      wrap(
        "client error (Connect): dns error: failed to lookup address information: Name or service not known",
      ),
    ),
    { type: "dns_error", unreachable: true },
  );
  assert.deepEqual(
    classifyFailure(wrap("client error (Connect): tcp connect error: x")),
    { type: "connect_error", unreachable: true },
  );
  assert.deepEqual(
    classifyFailure(wrap("connection reset by peer")),
    { type: "connection_reset", unreachable: false },
  );
  assert.deepEqual(classifyFailure(new RangeError("odd")), {
    type: "RangeError",
    unreachable: false,
  });
});
