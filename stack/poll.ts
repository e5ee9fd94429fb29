/**
 * Waiting, with time injectable: readiness polling of one URL, and retrying
 * a backend query until a deadline while ingestion catches up. Tests drive
 * both with a fake clock and a fake fetch, never real time.
 *
 * @module
 */
import { excerpt } from "./checks.ts";
import { errorText, type FetchLike, getAnswer } from "./http.ts";

/** Time as the waiting code sees it. */
export interface Clock {
  /** Milliseconds, monotonic enough for deadlines. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** One readiness endpoint to wait for. */
export interface ReadinessTarget {
  /** Service name, for messages. */
  readonly name: string;
  readonly url: string;
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Ready when the status is one of these (default: 200). */
  readonly okStatus?: readonly number[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** How polling behaves; every field has a default. */
export interface PollOptions {
  readonly fetch?: FetchLike;
  readonly clock?: Clock;
  /** Pause between attempts (default 1 s). */
  readonly intervalMs?: number;
  /** Timeout of each request (default 5 s). */
  readonly requestTimeoutMs?: number;
}

/** A target that became ready. */
export interface Ready {
  readonly name: string;
  readonly attempts: number;
  readonly elapsedMs: number;
}

/** A target that did not become ready in time; the message says why. */
export class NotReadyError extends Error {
  override name = "NotReadyError";
}

/**
 * Polls `target.url` until it answers an ok status or `timeoutMs` passes;
 * rejects with {@link NotReadyError} naming the service, the URL, the time
 * waited and the last status (with a body excerpt) or network error.
 */
export async function waitReady(
  target: ReadinessTarget,
  options: PollOptions = {},
): Promise<Ready> {
  const fetch = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? realClock;
  const interval = options.intervalMs ?? 1_000;
  const okStatus = target.okStatus ?? [200];
  const start = clock.now();
  let attempts = 0;
  let last = "no attempt made";
  while (true) {
    attempts++;
    try {
      const answer = await getAnswer(fetch, target.url, {
        headers: target.headers,
        timeoutMs: options.requestTimeoutMs ?? 5_000,
      });
      if (okStatus.includes(answer.status)) {
        return { name: target.name, attempts, elapsedMs: clock.now() - start };
      }
      last = `last status ${answer.status}: ${excerpt(answer.body, 120)}`;
    } catch (error) {
      last = `last error: ${errorText(error)}`;
    }
    const elapsed = clock.now() - start;
    if (elapsed + interval > target.timeoutMs) {
      throw new NotReadyError(
        `${target.name} not ready at ${target.url} after ${
          seconds(elapsed)
        } (timeout ${
          seconds(target.timeoutMs)
        }, ${attempts} attempts); ${last}`,
      );
    }
    await clock.sleep(interval);
  }
}

/** Milliseconds as `12.5 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Options of {@link retryUntil}. */
export interface RetryOptions {
  /** Clock time (as `clock.now()`) after which no new attempt starts. */
  readonly deadline: number;
  readonly clock?: Clock;
  /** Pause between attempts (default 2 s). */
  readonly intervalMs?: number;
}

/** A value with the number of attempts it took. */
export interface Retried<T> {
  readonly value: T;
  readonly attempts: number;
}

/** The last failure of {@link retryUntil}, its message prefixed with the count. */
export class RetryError extends Error {
  override name = "RetryError";
  constructor(readonly attempts: number, readonly last: unknown) {
    super(
      `${attempts} attempt${attempts === 1 ? "" : "s"}; last: ${
        errorText(last)
      }`,
    );
  }
}

/**
 * Runs `attempt` until it resolves, pausing between failures, and rejects
 * with a {@link RetryError} carrying the last failure once the next attempt
 * would start after the deadline. It always tries at least once.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  options: RetryOptions,
): Promise<Retried<T>> {
  const clock = options.clock ?? realClock;
  const interval = options.intervalMs ?? 2_000;
  let attempts = 0;
  while (true) {
    attempts++;
    try {
      return { value: await attempt(), attempts };
    } catch (error) {
      if (clock.now() + interval > options.deadline) {
        throw new RetryError(attempts, error);
      }
    }
    await clock.sleep(interval);
  }
}
