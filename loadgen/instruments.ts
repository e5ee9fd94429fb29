/**
 * loadgen's own metrics, from the specs in `telemetry/instruments.ts`:
 * the semantic-convention client duration and requests by route and outcome.
 *
 * @module
 */
import type { Counter, Histogram, Meter } from "@opentelemetry/api";
import {
  HTTP_CLIENT_DURATION,
  LOADGEN_REQUESTS,
} from "../telemetry/instruments.ts";
import { counter, histogram } from "../telemetry/metrics.ts";

/** `outcome` values of `loadgen.requests`. */
export type Outcome =
  /** An answer below 400. */
  | "ok"
  /** A 4xx or 5xx answer. */
  | "http_error"
  /** No answer: refused, timed out, reset, ... */
  | "failed"
  /** Not sent: the concurrency cap was reached. */
  | "shortfall"
  /** Aborted because loadgen was stopping. */
  | "cancelled";

/** The instruments loadgen records. */
export interface LoadgenInstruments {
  /** `http.client.request.duration`, seconds. */
  readonly duration: Histogram;
  /** `loadgen.requests` with `route` and `outcome`. */
  readonly requests: Counter;
}

/** Creates loadgen's instruments on `meter`. */
export function createLoadgenInstruments(meter: Meter): LoadgenInstruments {
  return {
    duration: histogram(meter, HTTP_CLIENT_DURATION),
    requests: counter(meter, LOADGEN_REQUESTS),
  };
}
