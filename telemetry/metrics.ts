/**
 * Creates the API instruments declared in `instruments.ts` on a meter.
 *
 * @module
 */
import type {
  Attributes,
  Counter,
  Histogram,
  Meter,
  MetricOptions,
  ObservableResult,
  UpDownCounter,
} from "@opentelemetry/api";
import {
  APP_REQUEST_DURATION,
  APP_REQUEST_ERRORS,
  APP_REQUESTS,
  HTTP_SERVER_ACTIVE,
  HTTP_SERVER_DURATION,
  type InstrumentSpec,
} from "./instruments.ts";

/** API options (description, unit, bucket advice) of a declared instrument. */
export function metricOptions(spec: InstrumentSpec): MetricOptions {
  return {
    description: spec.description,
    unit: spec.unit,
    ...(spec.buckets
      ? { advice: { explicitBucketBoundaries: [...spec.buckets] } }
      : {}),
  };
}

/** A counter for a declared counter instrument. */
export function counter(meter: Meter, spec: InstrumentSpec): Counter {
  return meter.createCounter(spec.name, metricOptions(spec));
}

/** A histogram for a declared histogram instrument. */
export function histogram(meter: Meter, spec: InstrumentSpec): Histogram {
  return meter.createHistogram(spec.name, metricOptions(spec));
}

/** An up-down counter for a declared up-down counter instrument. */
export function upDownCounter(
  meter: Meter,
  spec: InstrumentSpec,
): UpDownCounter {
  return meter.createUpDownCounter(spec.name, metricOptions(spec));
}

/**
 * A monotonic count per route, reported through an observable counter.
 * Cheaper on the request path than a synchronous counter, which hashes
 * its attributes on every `add`; the exported cumulative sums are the same.
 */
export class RouteCounter {
  readonly #counts = new Map<string, number>();

  /** Counts one event for `route`. */
  add(route: string): void {
    this.#counts.set(route, (this.#counts.get(route) ?? 0) + 1);
  }

  /** Reports every route's total. */
  observe(result: ObservableResult): void {
    for (const [route, value] of this.#counts) result.observe(value, { route });
  }
}

/** In-flight requests per method and scheme, reported through an observable up-down counter. */
export class ActiveRequests {
  readonly #counts = new Map<
    string,
    { attributes: Attributes; value: number }
  >();

  /** Adds `delta` (+1 at start, -1 at end) for `method` and `scheme`. */
  add(method: string, scheme: string, delta: number): void {
    const key = method + " " + scheme;
    const entry = this.#counts.get(key);
    if (entry) entry.value += delta;
    else {
      this.#counts.set(key, {
        attributes: { "http.request.method": method, "url.scheme": scheme },
        value: delta,
      });
    }
  }

  /** Reports the current in-flight count per method and scheme. */
  observe(result: ObservableResult): void {
    for (const { attributes, value } of this.#counts.values()) {
      result.observe(value, attributes);
    }
  }
}

/** The instruments the HTTP middleware records. */
export interface ServerInstruments {
  readonly requests: RouteCounter;
  readonly errors: RouteCounter;
  readonly durationMs: Histogram;
  readonly duration: Histogram;
  readonly active: ActiveRequests;
}

/** Creates the server's request instruments on `meter`. */
export function createServerInstruments(meter: Meter): ServerInstruments {
  const requests = new RouteCounter();
  const errors = new RouteCounter();
  const active = new ActiveRequests();
  meter.createObservableCounter(APP_REQUESTS.name, metricOptions(APP_REQUESTS))
    .addCallback((r) => requests.observe(r));
  meter.createObservableCounter(
    APP_REQUEST_ERRORS.name,
    metricOptions(APP_REQUEST_ERRORS),
  )
    .addCallback((r) => errors.observe(r));
  meter.createObservableUpDownCounter(
    HTTP_SERVER_ACTIVE.name,
    metricOptions(HTTP_SERVER_ACTIVE),
  )
    .addCallback((r) => active.observe(r));
  return {
    requests,
    errors,
    durationMs: histogram(meter, APP_REQUEST_DURATION),
    duration: histogram(meter, HTTP_SERVER_DURATION),
    active,
  };
}
