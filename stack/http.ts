/**
 * The one way the stack test talks HTTP: an injectable `fetch`, a timeout
 * per request, and answers reduced to status and body text.
 *
 * @module
 */
import type { HttpAnswer } from "./checks.ts";

/** `fetch` as the stack test uses it; tests pass a fake. */
export type FetchLike = (
  input: string,
  init?: RequestInit,
) => Promise<Response>;

/** Options of one request. */
export interface GetOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Abort after this many milliseconds (default 10 s). */
  readonly timeoutMs?: number;
}

/** GETs `url` and reads the whole body; rejects on network errors and timeouts. */
export async function getAnswer(
  fetch: FetchLike,
  url: string,
  options: GetOptions = {},
): Promise<HttpAnswer> {
  const response = await fetch(url, {
    headers: { ...options.headers },
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  return { status: response.status, body: await response.text() };
}

/** The `Authorization` header for HTTP basic auth. */
export function basicAuth(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** A network error's message on one line (`connection refused`, a timeout...). */
export function errorText(error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return "request timed out";
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").trim();
}
