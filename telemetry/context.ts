/**
 * The active-context machinery: the SDK's AsyncLocalStorage context
 * manager carrying small contexts that let go of a span once it ends.
 *
 * Deno's AsyncLocalStorage files every context it runs with in a WeakMap,
 * and V8's young-generation collector keeps WeakMap values alive, so with
 * the API's own contexts every request's contexts and spans (attributes
 * and all) were copied by one more scavenge. Here a context is a chain of
 * small immutable nodes, and a node lets go of its span when the span ends,
 * keeping a non-recording span with the same ids (figures in
 * docs/performance.md).
 *
 * @module
 */
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";

/** The API's span key (`Symbol.for`, shared by every copy of the API). */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");

/** The last node made for each span that has not ended. */
const holders = new WeakMap<Span, ContextNode>();

function isRecordingSpan(value: unknown): value is Span {
  return value instanceof Object && "isRecording" in value &&
    (value as Span).isRecording();
}

/** One immutable node: a key and its value (undefined once deleted) over a parent. */
class ContextNode implements Context {
  /** The node made before this one for the same recording span. */
  private sameSpan: ContextNode | undefined;
  constructor(
    private readonly parent?: ContextNode,
    private readonly key?: symbol,
    private value?: unknown,
  ) {}
  getValue(key: symbol): unknown {
    return this.key === key ? this.value : this.parent?.getValue(key);
  }
  setValue(key: symbol, value: unknown): Context {
    const node = new ContextNode(this, key, value);
    if (key === SPAN_KEY && isRecordingSpan(value)) {
      node.sameSpan = holders.get(value);
      holders.set(value, node);
    }
    return node;
  }
  deleteValue(key: symbol): Context {
    return new ContextNode(this, key, undefined);
  }
  /** In every node holding `span`, puts a non-recording span with its ids. */
  static release(span: Span): void {
    let node = holders.get(span);
    if (!node) return;
    holders.delete(span);
    const ended = trace.wrapSpanContext(span.spanContext());
    while (node) {
      const earlier: ContextNode | undefined = node.sameSpan;
      node.value = ended;
      node.sameSpan = undefined;
      node = earlier;
    }
  }
}

/** The empty context; what `context.active()` is outside any scope. */
export const EMPTY_CONTEXT: Context = new ContextNode();

/** The SDK's AsyncLocalStorage manager, starting from {@link EMPTY_CONTEXT}. */
export class SmallContextManager extends AsyncLocalStorageContextManager {
  override active(): Context {
    const active = super.active();
    return active === ROOT_CONTEXT ? EMPTY_CONTEXT : active;
  }
}

/** Lets every context drop its hold on a span when the span ends. */
export const releaseEndedSpans: SpanProcessor = {
  onStart() {},
  onEnd: (span) => ContextNode.release(span as unknown as Span),
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
