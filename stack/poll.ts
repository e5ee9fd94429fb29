/**
 * HTTP and waiting: GETs reduced to status and body, readiness polling, and
 * retrying a query until a deadline while ingestion catches up; tests drive
 * them with a fake clock and a fake fetch.
 *
 * @module
 */
import type { Component } from "../gen/model.ts";
import { excerpt } from "./checks.ts";
import { sleep } from "../lib/duration.ts";
import type { Report } from "./report.ts";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** A GET on `fetch`: any status is an answer, each request aborted after `timeoutMs`. */
export function getter(
  fetch: FetchLike = globalThis.fetch,
  timeoutMs = 10_000,
) {
  return async (url: string, headers?: HeadersInit) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(url, { headers, signal });
    return { status: response.status, body: await response.text() };
  };
}

/** A network error's message on one line (`connection refused`, a timeout...). */
export function errorText(error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return "request timed out";
  }
  return String(error instanceof Error ? error.message : error)
    .replace(/\s+/g, " ").trim();
}

/** A port of this host as a URL, in the shape of {@link allReady}'s `url`. */
export const loopback = (_service: string, port: number) =>
  `http://127.0.0.1:${port}`;

/** Time in milliseconds, as the waiting code sees it. */
export const realClock = {
  now: () => performance.now(),
  sleep,
};

export type Clock = typeof realClock;

/** The last failure of {@link retryUntil}, its message prefixed with the count. */
export class RetryError extends Error {
  override name = "RetryError";
  constructor(readonly attempts: number, readonly last: unknown) {
    const s = attempts === 1 ? "" : "s";
    super(`${attempts} attempt${s}; last: ${errorText(last)}`);
  }
}

/**
 * Runs `attempt` until it resolves, pausing `intervalMs` (default 2 s)
 * between failures; once the next attempt would start after `deadline`, it
 * rejects with a {@link RetryError}. It tries at least once.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  o: { deadline: number; clock?: Clock; intervalMs?: number },
): Promise<{ value: T; attempts: number }> {
  const { clock = realClock, intervalMs = 2_000 } = o;
  for (let attempts = 1;; attempts++) {
    try {
      return { value: await attempt(), attempts };
    } catch (error) {
      if (clock.now() + intervalMs > o.deadline) {
        throw new RetryError(attempts, error);
      }
    }
    await clock.sleep(intervalMs);
  }
}

export class NotReadyError extends Error {
  override name = "NotReadyError";
}

/**
 * Polls `url` every `intervalMs` (default 1 s) until it answers 200; after
 * `timeoutMs`, rejects with a {@link NotReadyError} naming the service, the
 * URL, the time waited and the last status (with a body excerpt) or error.
 */
export async function waitReady(
  { name, url, timeoutMs }: { name: string; url: string; timeoutMs: number },
  o: { fetch?: FetchLike; clock?: Clock; intervalMs?: number } = {},
) {
  const { clock = realClock, intervalMs = 1_000 } = o;
  const get = getter(o.fetch, 5_000);
  const start = clock.now();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  try {
    const { attempts } = await retryUntil(async () => {
      const { status, body } = await get(url).catch((error) => {
        throw new Error(`last error: ${errorText(error)}`);
      });
      if (status !== 200) {
        throw new Error(`last status ${status}: ${excerpt(body, 120)}`);
      }
    }, { deadline: start + timeoutMs, clock, intervalMs });
    return { name, attempts, elapsedMs: clock.now() - start };
  } catch (error) {
    const { attempts, last } = error as RetryError;
    const waited = seconds(clock.now() - start);
    throw new NotReadyError(
      `${name} not ready at ${url} after ${waited} (timeout ${
        seconds(timeoutMs)
      }, ${attempts} attempts); ${(last as Error).message}`,
    );
  }
}

/**
 * Waits for each component's readiness endpoint, at `url(name, port)`,
 * within its start-up budget; false if any (or an earlier check) failed.
 */
export async function allReady(
  components: readonly Component[],
  url: (name: string, port: number) => string,
  report: Report,
): Promise<boolean> {
  await Promise.all(
    components.map(({ name, health }) =>
      health && report.check(`ready: ${name}`, async () => {
        const at = `${url(name, health.ready.port)}${health.ready.path}`;
        const timeoutMs = (health.startSeconds + 60) * 1000;
        const r = await waitReady({ name, url: at, timeoutMs });
        return `${at} after ${r.attempts} attempts`;
      })
    ),
  );
  return !report.failed;
}
