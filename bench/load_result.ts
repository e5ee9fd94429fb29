/**
 * The shape every load generator reports, whether wrk or a Deno client.
 *
 * @module
 */

/** Outcome of one load phase. */
export interface LoadResult {
  /** Which generator produced it: `wrk` or a built-in Deno client. */
  readonly tool: string;
  /** Responses received (any status). */
  readonly requests: number;
  /** Wall time of the phase. */
  readonly seconds: number;
  /** `requests / seconds`. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connection errors, timeouts and failed requests. */
  readonly errors: number;
  /** Responses outside 2xx/3xx. */
  readonly non2xx: number;
}

/** Result of the open-loop fixed-rate client. */
export interface RateResult extends LoadResult {
  /** Target rate, requests/s. */
  readonly rate: number;
  /** Requests due by the schedule. */
  readonly scheduled: number;
  /** Due requests not sent because too many were outstanding. */
  readonly skipped: number;
  readonly maxMs: number;
  /** 99th percentile of how late requests were sent against the schedule. */
  readonly lagP99Ms: number;
}
