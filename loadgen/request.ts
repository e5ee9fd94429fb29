/**
 * One traced request: a CLIENT span with the HTTP client semantic
 * conventions, `traceparent` injected through the propagation API so the
 * service continues the trace, and the client metrics.
 *
 * @module
 */
import {
  type Attributes,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type { LoadgenInstruments, Outcome } from "./instruments.ts";
import type { Draw } from "./mix.ts";
import type { RequestResult } from "./stats.ts";
import { isErrorStatus } from "./stats.ts";

/** What a request needs besides its draw. */
export interface RequestContext {
  /** Base URL; the drawn path is appended to it. */
  readonly target: URL;
  readonly tracer: Tracer;
  readonly instruments: LoadgenInstruments;
  readonly timeoutMs: number;
  /** Aborting it cancels the request (loadgen is stopping). */
  readonly cancel: AbortSignal;
  /** `User-Agent` header and `user_agent.original`. */
  readonly userAgent: string;
  /** Injected in tests; the global `fetch` otherwise. */
  readonly fetch?: typeof fetch;
  /** Milliseconds, monotonic; `performance.now` otherwise. */
  readonly now?: () => number;
}

/** A failed request's `error.type`, and whether it means the target is unreachable. */
export interface FailureKind {
  readonly type: string;
  readonly unreachable: boolean;
}

function causeText(error: unknown): string {
  let text = "";
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    text += " " +
      (current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return text;
}

/**
 * Names a fetch failure with a low-cardinality `error.type`. Refused
 * connections, DNS failures and connect errors mean the target is
 * unreachable (and loadgen backs off); resets and timeouts do not.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof Deno.errors.ConnectionRefused) {
    return { type: "connection_refused", unreachable: true };
  }
  const text = causeText(error);
  if (/connection refused/i.test(text)) {
    return { type: "connection_refused", unreachable: true };
  }
  if (/dns error|failed to lookup address/i.test(text)) {
    return { type: "dns_error", unreachable: true };
  }
  if (
    /tcp connect error|\(Connect\)|network is unreachable|no route to host/i
      .test(text)
  ) {
    return { type: "connect_error", unreachable: true };
  }
  if (/connection reset|connection closed|broken pipe/i.test(text)) {
    return { type: "connection_reset", unreachable: false };
  }
  const name = error instanceof Error ? error.name : "";
  return { type: name || "unknown", unreachable: false };
}

function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/** What {@link sendRequest} reports. */
export interface SentRequest {
  readonly result: RequestResult;
  /** Set when the target could not be reached: the `error.type`. */
  readonly unreachable?: string;
}

/** Sends one drawn request and records its span and metrics. */
export async function sendRequest(
  draw: Draw,
  ctx: RequestContext,
): Promise<SentRequest> {
  const now = ctx.now ?? (() => performance.now());
  const doFetch = ctx.fetch ?? fetch;
  const base = ctx.target.href.replace(/\/+$/, "");
  const url = base + draw.pathAndQuery;
  const method = "GET";
  const serverAddress = ctx.target.hostname.replace(/^\[|\]$/g, "");
  const serverPort = defaultPort(ctx.target);
  const metricAttributes: Attributes = {
    "http.request.method": method,
    "server.address": serverAddress,
    "server.port": serverPort,
    "url.template": draw.route,
  };
  const span = ctx.tracer.startSpan(`${method} ${draw.route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      ...metricAttributes,
      "url.full": url,
      "user_agent.original": ctx.userAgent,
    },
  });
  const headers: Record<string, string> = { "user-agent": ctx.userAgent };
  propagation.inject(trace.setSpan(context.active(), span), headers);

  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = AbortSignal.any([ctx.cancel, timeout]);
  const started = now();
  let status: number | undefined;
  let failure: FailureKind | undefined;
  let cancelled = false;
  try {
    const response = await doFetch(url, { headers, signal });
    status = response.status;
    // The latency includes the body, as a user would see it.
    await response.arrayBuffer();
  } catch (error) {
    if (ctx.cancel.aborted) cancelled = true;
    else if (timeout.aborted) failure = { type: "timeout", unreachable: false };
    else failure = classifyFailure(error);
    if (status !== undefined && !cancelled) {
      // The answer came but its body did not: count the status, note the failure.
      span.recordException(error as Error);
    }
  }
  const latencyMs = now() - started;

  let outcome: Outcome;
  if (cancelled) {
    outcome = "cancelled";
    span.setAttribute("error.type", "cancelled");
    span.setStatus({ code: SpanStatusCode.ERROR, message: "cancelled" });
  } else if (status !== undefined) {
    span.setAttribute("http.response.status_code", status);
    metricAttributes["http.response.status_code"] = status;
    if (isErrorStatus(status) || failure) {
      const errorType = failure?.type ?? String(status);
      span.setAttribute("error.type", errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
      metricAttributes["error.type"] = errorType;
    }
    outcome = isErrorStatus(status) ? "http_error" : "ok";
  } else {
    const errorType = failure?.type ?? "unknown";
    span.setAttribute("error.type", errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    metricAttributes["error.type"] = errorType;
    outcome = "failed";
  }
  span.end();
  if (!cancelled) {
    ctx.instruments.duration.record(latencyMs / 1_000, metricAttributes);
  }
  ctx.instruments.requests.add(1, { route: draw.route, outcome });

  const result: RequestResult = cancelled
    ? { route: draw.route, cancelled: true, latencyMs }
    : status !== undefined
    ? { route: draw.route, status, latencyMs }
    : { route: draw.route, failure: failure?.type ?? "unknown", latencyMs };
  return failure?.unreachable && status === undefined
    ? { result, unreachable: failure.type }
    : { result };
}
