import assert from "node:assert/strict";
import { createContextKey, type Span, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  EMPTY_CONTEXT,
  releaseEndedSpans,
  SmallContextManager,
} from "../telemetry/context.ts";

const exported = new InMemorySpanExporter();
const tracer = new TracerProvider({
  spanProcessors: [
    releaseEndedSpans,
    new SimpleSpanProcessor({ exporter: exported }),
  ],
}).getTracer("context-test");

Deno.test("contexts are immutable: set shadows, delete hides, the original keeps its values", () => {
  const a = createContextKey("a");
  const b = createContextKey("b");
  const one = EMPTY_CONTEXT.setValue(a, 1);
  const two = one.setValue(b, 2).setValue(a, 3);
  assert.deepEqual(one.getValue(a), 1);
  assert.deepEqual(one.getValue(b), undefined);
  assert.deepEqual([two.getValue(a), two.getValue(b)], [3, 2]);
  const hidden = two.deleteValue(a);
  assert.deepEqual([hidden.getValue(a), hidden.getValue(b)], [undefined, 2]);
  assert.deepEqual(hidden.setValue(a, 4).getValue(a), 4);
  assert.deepEqual(EMPTY_CONTEXT.getValue(a), undefined);
});

Deno.test("a context holds its span until the span ends, then only the span's ids", () => {
  const span = tracer.startSpan("held");
  const first = trace.setSpan(EMPTY_CONTEXT, span);
  const child = trace.setSpan(first.setValue(createContextKey("k"), 1), span);
  assert.equal(trace.getSpan(first), span);
  assert.equal(trace.getSpan(child), span);
  trace.getSpan(child)?.setAttribute("before.end", true);
  span.end();
  for (const ctx of [first, child]) {
    const held = trace.getSpan(ctx) as Span;
    assert.notEqual(held, span);
    assert.ok(!held.isRecording());
    // Children and log records still get the ended span's ids.
    assert.deepEqual(held.spanContext(), span.spanContext());
    held.setAttribute("after.end", true);
  }
  const finished = exported.getFinishedSpans();
  assert.equal(finished.length, 1);
  assert.deepEqual(finished[0].attributes, { "before.end": true });
  exported.reset();
});

Deno.test("a non-recording span is kept as it is", () => {
  const remote = trace.wrapSpanContext({
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: 1,
    isRemote: true,
  });
  assert.equal(
    trace.getSpan(trace.setSpan(EMPTY_CONTEXT, remote)),
    remote,
  );
});

Deno.test("the manager: the empty context outside scopes, the scope's context across awaits", async () => {
  const manager = new SmallContextManager().enable();
  const key = createContextKey("request");
  assert.equal(manager.active(), EMPTY_CONTEXT);
  const scoped = manager.active().setValue(key, "r1");
  const seen = await manager.with(scoped, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return manager.active().getValue(key);
  });
  assert.deepEqual(seen, "r1");
  assert.equal(manager.active(), EMPTY_CONTEXT);
  manager.disable();
});
