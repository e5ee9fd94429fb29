/**
 * HTTP server telemetry middleware: one SERVER span per request following
 * the HTTP semantic conventions, continuing an incoming `traceparent`, and
 * the request metrics. Probe paths get neither.
 *
 * @module
 */
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { EMPTY_CONTEXT } from "./context.ts";
import type { ServerInstruments } from "./metrics.ts";

/** Hono environment shared by the routes and this middleware. */
export type HttpEnv = {
  Bindings: { remoteAddr?: { hostname?: string } };
  Variables: { errorType?: string };
};

/** Route label for requests no route matched (keeps label cardinality bounded). */
export const UNMATCHED_ROUTE = "unmatched";

const KNOWN_METHODS = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "CONNECT",
  "OPTIONS",
  "TRACE",
  "PATCH",
]);

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** What the middleware needs. */
export interface HttpTelemetryOptions {
  readonly tracer: Tracer;
  readonly instruments: ServerInstruments;
  /** Paths that get no span and no metrics (health probes). */
  readonly skipPaths: ReadonlySet<string>;
}

function splitHost(
  host: string | undefined,
): [string | undefined, number | undefined] {
  if (!host) return [undefined, undefined];
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!match) return [host, undefined];
  return [match[1], match[2] ? Number(match[2]) : undefined];
}

/** `http://host:8000/path` -> `host:8000`, without parsing the whole URL. */
function authorityOf(url: string): string | undefined {
  const start = url.indexOf("://");
  if (start < 0) return undefined;
  const end = url.indexOf("/", start + 3);
  return url.slice(start + 3, end < 0 ? undefined : end) || undefined;
}

/** The route template that answered, or undefined when none matched. */
function matchedRoute(c: Context<HttpEnv>): string | undefined {
  const path = routePath(c);
  return path === "*" || path === "/*" || path === "" ? undefined : path;
}

const ROUTE_ATTRIBUTES = new Map<string, Attributes>();

/** `{route}` attribute objects, made once per route rather than per request. */
function routeAttributes(route: string): Attributes {
  let attributes = ROUTE_ATTRIBUTES.get(route);
  if (!attributes) ROUTE_ATTRIBUTES.set(route, attributes = { route });
  return attributes;
}

const DURATION_ATTRIBUTES = new Map<string, Attributes>();

/**
 * The attributes of `http.server.request.duration`, one object per
 * combination (a handful) rather than one per request.
 */
function durationAttributes(
  method: string,
  status: number,
  scheme: string,
  route: string | undefined,
  errorType: string | undefined,
): Attributes {
  const key = `${method} ${status} ${scheme} ${route} ${errorType}`;
  let attributes = DURATION_ATTRIBUTES.get(key);
  if (!attributes) {
    attributes = {
      "http.request.method": method,
      "http.response.status_code": status,
      "url.scheme": scheme,
    };
    if (route) attributes["http.route"] = route;
    if (errorType) attributes["error.type"] = errorType;
    DURATION_ATTRIBUTES.set(key, attributes);
  }
  return attributes;
}

/** Builds the telemetry middleware. */
export function httpTelemetry(
  options: HttpTelemetryOptions,
): MiddlewareHandler<HttpEnv> {
  const { tracer, instruments, skipPaths } = options;
  return async (c, next) => {
    if (skipPaths.has(c.req.path)) return next();
    const started = performance.now();
    const rawMethod = c.req.method;
    const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : "_OTHER";
    const scheme = c.req.url.startsWith("https:") ? "https" : "http";
    const [serverAddress, serverPort] = splitHost(
      c.req.header("host") ?? authorityOf(c.req.url),
    );
    const spanAttributes: Attributes = {
      "http.request.method": method,
      "url.path": c.req.path,
      "url.scheme": scheme,
    };
    if (method === "_OTHER") {
      spanAttributes["http.request.method_original"] = rawMethod;
    }
    if (serverAddress) spanAttributes["server.address"] = serverAddress;
    if (serverPort) spanAttributes["server.port"] = serverPort;
    const clientAddress = c.env?.remoteAddr?.hostname;
    if (clientAddress) spanAttributes["client.address"] = clientAddress;
    const userAgent = c.req.header("user-agent");
    if (userAgent) spanAttributes["user_agent.original"] = userAgent;

    // Most requests carry no trace context: skip the propagators then.
    const headers = c.req.raw.headers;
    const parent = headers.has("traceparent") || headers.has("baggage")
      ? propagation.extract(EMPTY_CONTEXT, headers, headerGetter)
      : EMPTY_CONTEXT;
    const span: Span = tracer.startSpan(
      method === "_OTHER" ? "HTTP" : method,
      { kind: SpanKind.SERVER, attributes: spanAttributes },
      parent,
    );
    instruments.active.add(method, scheme, 1);
    let thrown: unknown;
    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      const status = thrown === undefined ? c.res.status : 500;
      const route = matchedRoute(c);
      if (route) {
        span.updateName(`${method === "_OTHER" ? "HTTP" : method} ${route}`);
      }
      const errorType = status < 500
        ? undefined
        : (thrown instanceof Error ? thrown.name : undefined) ??
          c.get("errorType") ?? String(status);
      const endAttributes: Attributes = { "http.response.status_code": status };
      if (route) endAttributes["http.route"] = route;
      if (errorType) {
        endAttributes["error.type"] = errorType;
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.setAttributes(endAttributes);
      const metricAttributes = durationAttributes(
        method,
        status,
        scheme,
        route,
        errorType,
      );
      if (thrown !== undefined) span.recordException(thrown as Error);
      span.end();

      const elapsedMs = performance.now() - started;
      const routeLabel = route ?? UNMATCHED_ROUTE;
      instruments.active.add(method, scheme, -1);
      instruments.requests.add(routeLabel);
      if (status >= 500) instruments.errors.add(routeLabel);
      instruments.durations.record(
        elapsedMs,
        routeAttributes(routeLabel),
        metricAttributes,
      );
    }
  };
}
