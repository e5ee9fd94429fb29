/**
 * Creates the API instruments declared in `instruments.ts` on a meter.
 *
 * @module
 */
import type { Attributes, Meter } from "@opentelemetry/api";
import {
  APP_REQUEST_DURATION,
  APP_REQUEST_ERRORS,
  APP_REQUESTS,
  HTTP_SERVER_ACTIVE,
  HTTP_SERVER_DURATION,
  type InstrumentSpec,
} from "./instruments.ts";

/** API options (description, unit, bucket advice) of a declared instrument. */
function metricOptions({ description, unit, buckets }: InstrumentSpec) {
  const advice = buckets && { explicitBucketBoundaries: [...buckets] };
  return { description, unit, advice };
}

/** A counter for a declared counter instrument. */
export function counter(meter: Meter, spec: InstrumentSpec) {
  return meter.createCounter(spec.name, metricOptions(spec));
}

/** A histogram for a declared histogram instrument. */
export function histogram(meter: Meter, spec: InstrumentSpec) {
  return meter.createHistogram(spec.name, metricOptions(spec));
}

/**
 * A monotonic count per route, reported through an observable counter.
 * Cheaper on the request path than a synchronous counter, which hashes
 * its attributes on every `add`; the exported cumulative sums are the same.
 */
class RouteCounter {
  readonly #counts = new Map<string, number>();

  constructor(meter: Meter, spec: InstrumentSpec) {
    meter.createObservableCounter(spec.name, metricOptions(spec))
      .addCallback((result) => {
        for (const [route, value] of this.#counts) {
          result.observe(value, { route });
        }
      });
  }

  /** Counts one event for `route`. */
  add(route: string): void {
    this.#counts.set(route, (this.#counts.get(route) ?? 0) + 1);
  }
}

/** In-flight requests per method and scheme, reported through an observable up-down counter. */
class ActiveRequests {
  readonly #sums = new Map<string, { attributes: Attributes; value: number }>();

  constructor(meter: Meter, spec: InstrumentSpec) {
    meter.createObservableUpDownCounter(spec.name, metricOptions(spec))
      .addCallback((result) => {
        for (const { attributes, value } of this.#sums.values()) {
          result.observe(value, attributes);
        }
      });
  }

  /** Adds `delta` (+1 at start, -1 at end) for `method` and `scheme`. */
  add(method: string, scheme: string, delta: number): void {
    const key = method + " " + scheme;
    const entry = this.#sums.get(key);
    if (entry) entry.value += delta;
    else {
      this.#sums.set(key, {
        attributes: { "http.request.method": method, "url.scheme": scheme },
        value: delta,
      });
    }
  }
}

/** Creates the server's request instruments on `meter`. */
export function createServerInstruments(meter: Meter) {
  return {
    requests: new RouteCounter(meter, APP_REQUESTS),
    errors: new RouteCounter(meter, APP_REQUEST_ERRORS),
    active: new ActiveRequests(meter, HTTP_SERVER_ACTIVE),
    durationMs: histogram(meter, APP_REQUEST_DURATION),
    duration: histogram(meter, HTTP_SERVER_DURATION),
  };
}

/** The instruments the HTTP middleware records. */
export type ServerInstruments = ReturnType<typeof createServerInstruments>;
