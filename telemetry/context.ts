/**
 * The active-context machinery: the SDK's AsyncLocalStorage context
 * manager carrying small contexts that let go of a span once it ends.
 *
 * Deno's AsyncLocalStorage files every context it runs with in a WeakMap,
 * and V8's young-generation collector keeps WeakMap values alive, so with
 * the API's own contexts every request's contexts and spans (attributes
 * and all) were copied by one more scavenge. Here a context is a chain of
 * small immutable nodes and a span in it is a {@link SpanRef} that holds
 * the span only until it ends (figures in docs/performance.md).
 *
 * @module
 */
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";

/** The API's span key (`Symbol.for`, shared by every copy of the API). */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");

const refs = new WeakMap<Span, SpanRef>();

/** A recording span as contexts hold it: forwards to the span until it ends. */
class SpanRef implements Span {
  span: Span | undefined;
  readonly #context: SpanContext;
  constructor(span: Span) {
    this.span = span;
    this.#context = span.spanContext();
  }
  spanContext(): SpanContext {
    return this.#context;
  }
  isRecording(): boolean {
    return this.span?.isRecording() ?? false;
  }
  setAttribute(...a: Parameters<Span["setAttribute"]>): this {
    this.span?.setAttribute(...a);
    return this;
  }
  setAttributes(...a: Parameters<Span["setAttributes"]>): this {
    this.span?.setAttributes(...a);
    return this;
  }
  addEvent(...a: Parameters<Span["addEvent"]>): this {
    this.span?.addEvent(...a);
    return this;
  }
  addLink(...a: Parameters<Span["addLink"]>): this {
    this.span?.addLink(...a);
    return this;
  }
  addLinks(...a: Parameters<Span["addLinks"]>): this {
    this.span?.addLinks(...a);
    return this;
  }
  setStatus(...a: Parameters<Span["setStatus"]>): this {
    this.span?.setStatus(...a);
    return this;
  }
  updateName(...a: Parameters<Span["updateName"]>): this {
    this.span?.updateName(...a);
    return this;
  }
  end(...a: Parameters<Span["end"]>): void {
    this.span?.end(...a);
  }
  recordException(...a: Parameters<Span["recordException"]>): void {
    this.span?.recordException(...a);
  }
}

function refOf(span: Span): Span {
  if (span instanceof SpanRef || !span.isRecording()) return span;
  let ref = refs.get(span);
  if (!ref) refs.set(span, ref = new SpanRef(span));
  return ref;
}

/** One immutable node: a key and its value (or its removal) over a parent. */
class ContextNode implements Context {
  readonly #parent: ContextNode | undefined;
  readonly #key: symbol | undefined;
  readonly #value: unknown;
  readonly #deleted: boolean;
  constructor(
    parent?: ContextNode,
    key?: symbol,
    value?: unknown,
    deleted = false,
  ) {
    this.#parent = parent;
    this.#key = key;
    this.#value = value;
    this.#deleted = deleted;
  }
  getValue(key: symbol): unknown {
    if (this.#key === key) return this.#deleted ? undefined : this.#value;
    return this.#parent?.getValue(key);
  }
  setValue(key: symbol, value: unknown): Context {
    const held = key === SPAN_KEY && value instanceof Object
      ? refOf(value as Span)
      : value;
    return new ContextNode(this, key, held);
  }
  deleteValue(key: symbol): Context {
    return new ContextNode(this, key, undefined, true);
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
  onEnd(span) {
    const ref = refs.get(span as unknown as Span);
    if (ref) ref.span = undefined;
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
