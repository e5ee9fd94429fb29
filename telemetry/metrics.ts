/**
 * Creates the API instruments declared in `instruments.ts` on a meter.
 *
 * @module
 */
import type {
  Counter,
  Histogram,
  Meter,
  MetricOptions,
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

/** The instruments the HTTP middleware records. */
export interface ServerInstruments {
  readonly requests: Counter;
  readonly errors: Counter;
  readonly durationMs: Histogram;
  readonly duration: Histogram;
  readonly active: UpDownCounter;
}

/** Creates the server's request instruments on `meter`. */
export function createServerInstruments(meter: Meter): ServerInstruments {
  return {
    requests: counter(meter, APP_REQUESTS),
    errors: counter(meter, APP_REQUEST_ERRORS),
    durationMs: histogram(meter, APP_REQUEST_DURATION),
    duration: histogram(meter, HTTP_SERVER_DURATION),
    active: upDownCounter(meter, HTTP_SERVER_ACTIVE),
  };
}
