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

Deno.test("a span in a context forwards to the span until it ends, then lets go of it", () => {
  const span = tracer.startSpan("held");
  const held = trace.getSpan(trace.setSpan(EMPTY_CONTEXT, span)) as Span;
  assert.deepEqual(held.spanContext(), span.spanContext());
  assert.ok(held.isRecording());
  held.setAttribute("before.end", true);
  held.updateName("renamed");
  // The same holder for every context of the same span.
  assert.equal(trace.getSpan(trace.setSpan(EMPTY_CONTEXT, span)), held);
  const holds = () => (held as unknown as { span?: Span }).span;
  assert.equal(holds(), span);
  held.end();
  assert.equal(holds(), undefined);
  assert.ok(!held.isRecording());
  held.setAttribute("after.end", true);
  held.end();
  const [finished] = exported.getFinishedSpans();
  assert.deepEqual(exported.getFinishedSpans().length, 1);
  assert.deepEqual(finished.name, "renamed");
  assert.deepEqual(finished.attributes, { "before.end": true });
  // Ended spans keep their identity for children and log correlation.
  assert.deepEqual(held.spanContext().spanId, finished.spanContext().spanId);
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
