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
  type Meter,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import {
  HTTP_CLIENT_DURATION,
  LOADGEN_REQUESTS,
} from "../telemetry/instruments.ts";
import { counter, histogram } from "../telemetry/metrics.ts";
import type { LoadgenConfig } from "./flags.ts";
import type { RunOptions } from "./run.ts";
import type { Draw } from "./mix.ts";
import type { SendOutcome } from "./schedule.ts";
import { isErrorStatus, type RequestResult } from "./report.ts";

/**
 * loadgen's instruments (specs in `telemetry/instruments.ts`): the client
 * duration in seconds, and `loadgen.requests` by `route` and `outcome`: `ok`
 * (an answer below 400), `http_error` (4xx, 5xx), `failed` (no answer),
 * `shortfall` (not sent: the cap was reached) or `cancelled` (aborted at stop).
 */
export function createLoadgenInstruments(meter: Meter) {
  return {
    duration: histogram(meter, HTTP_CLIENT_DURATION),
    requests: counter(meter, LOADGEN_REQUESTS),
  };
}

/** What a request needs besides its draw (the drawn path is appended to `target`). */
export interface RequestContext
  extends
    Pick<LoadgenConfig, "target" | "timeoutMs">,
    Pick<RunOptions, "tracer" | "cancel" | "fetch"> {
  readonly instruments: ReturnType<typeof createLoadgenInstruments>;
  /** `User-Agent` header and `user_agent.original`. */
  readonly userAgent: string;
  /** Milliseconds, monotonic; `performance.now` otherwise. */
  readonly now?: () => number;
}

/** `error.type` of fetch failures by their message (or their causes'), first match wins. */
const FAILURES: Readonly<Record<string, RegExp>> = {
  connection_refused: /connection refused/i,
  dns_error: /dns error|failed to lookup address/i,
  connect_error:
    /tcp connect error|\(Connect\)|network is unreachable|no route to host/i,
  connection_reset: /connection reset|connection closed|broken pipe/i,
};

const UNREACHABLE = new Set([
  "connection_refused",
  "dns_error",
  "connect_error",
]);

/**
 * Names a fetch failure with a low-cardinality `error.type`. Refused
 * connections, DNS failures and connect errors mean the target is
 * unreachable (and loadgen backs off); resets and timeouts do not.
 */
export function classifyFailure(
  error: unknown,
): { type: string; unreachable: boolean } {
  let text = "";
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    text += " " +
      (current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  const type = error instanceof Deno.errors.ConnectionRefused
    ? "connection_refused"
    : Object.keys(FAILURES).find((t) => FAILURES[t].test(text)) ??
      ((error instanceof Error && error.name) || "unknown");
  return { type, unreachable: UNREACHABLE.has(type) };
}

/** Sends one drawn request and records its span and metrics; `unreachable` is for the scheduler. */
export async function sendRequest(
  draw: Draw,
  ctx: RequestContext,
): Promise<SendOutcome & { result: RequestResult }> {
  const now = ctx.now ?? (() => performance.now());
  const { route } = draw;
  const url = ctx.target.href.replace(/\/+$/, "") + draw.pathAndQuery;
  const metricAttributes: Attributes = {
    "http.request.method": "GET",
    "server.address": ctx.target.hostname.replace(/^\[|\]$/g, ""),
    "server.port": Number(
      ctx.target.port || (ctx.target.protocol === "https:" ? 443 : 80),
    ),
    "url.template": route,
  };
  const span = ctx.tracer.startSpan(`GET ${route}`, {
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
  let failure: ReturnType<typeof classifyFailure> | undefined;
  try {
    const response = await (ctx.fetch ?? fetch)(url, { headers, signal });
    status = response.status;
    // The latency includes the body, as a user would see it.
    await response.arrayBuffer();
  } catch (error) {
    if (ctx.cancel.aborted) {
      const latencyMs = now() - started;
      span.setAttribute("error.type", "cancelled");
      span.setStatus({ code: SpanStatusCode.ERROR, message: "cancelled" });
      span.end();
      ctx.instruments.requests.add(1, { route, outcome: "cancelled" });
      return { result: { route, cancelled: true, latencyMs } };
    }
    failure = timeout.aborted
      ? { type: "timeout", unreachable: false }
      : classifyFailure(error);
    // An answer whose body did not come: count the status, note the failure.
    if (status !== undefined) span.recordException(error as Error);
  }
  const latencyMs = now() - started;

  const outcome = status === undefined
    ? "failed"
    : isErrorStatus(status)
    ? "http_error"
    : "ok";
  const errorType = failure?.type ??
    (outcome === "http_error" ? String(status) : undefined);
  if (status !== undefined) {
    metricAttributes["http.response.status_code"] = status;
  }
  if (errorType !== undefined) {
    metricAttributes["error.type"] = errorType;
    // Without an answer, the status message names the failure.
    span.setStatus(
      status === undefined
        ? { code: SpanStatusCode.ERROR, message: errorType }
        : { code: SpanStatusCode.ERROR },
    );
  }
  // The span has every metric attribute; these add the status and error.type.
  span.setAttributes(metricAttributes);
  span.end();
  ctx.instruments.duration.record(latencyMs / 1_000, metricAttributes);
  ctx.instruments.requests.add(1, { route, outcome });
  if (status !== undefined) return { result: { route, status, latencyMs } };
  const { type, unreachable } = failure!;
  const result = { route, failure: type, latencyMs };
  return unreachable ? { result, unreachable: type } : { result };
}
