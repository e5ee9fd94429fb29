/**
 * The space-app HTTP application: routes only, no listening.
 *
 * Built by a function so tests drive it with `app.request` and the server
 * wraps it with whatever middleware it needs.
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { sleep } from "../lib/duration.ts";
import { log } from "../telemetry/logger.ts";
import type { HttpEnv } from "../telemetry/http.ts";
import { methodNotAllowed, notFound, problem } from "./problems.ts";
import { parseWorkMs } from "./work_ms.ts";

/** Everything the routes depend on. */
export interface AppOptions {
  /** Largest `ms` accepted by `/work`. */
  maxWorkMs: number;
  /** True once shutdown has begun: `/readyz` then answers 503. */
  isDraining: () => boolean;
  /** Request middleware run before every route (telemetry). */
  middleware?: MiddlewareHandler<HttpEnv>[];
  /** Source of randomness for the intermittent warning (default `Math.random`). */
  random?: () => number;
}

/** Share of `/work` calls that log "intermittent issue observed". */
export const WARNING_RATE = 0.05;

/** Route templates, as they appear in spans and metrics. */
export const ROUTES = ["/", "/work", "/error", "/healthz", "/readyz"] as const;

/** Paths that are probes: no spans and no request metrics. */
export const PROBE_PATHS: ReadonlySet<string> = new Set([
  "/healthz",
  "/readyz",
]);

const GET_ONLY = methodNotAllowed(["GET", "HEAD"]);

const tracer = trace.getTracer("space-app");

/** Builds the application with all routes and JSON error handling. */
export function createApp(options: AppOptions): Hono<HttpEnv> {
  const random = options.random ?? Math.random;
  const app = new Hono<HttpEnv>();

  for (const mw of options.middleware ?? []) app.use("*", mw);

  app.get("/", (c) =>
    tracer.startActiveSpan("root-handler", (span) => {
      try {
        log.info("hello from space-app");
        return c.json({ ok: true, msg: "Hello from space-app" });
      } finally {
        span.end();
      }
    }));

  app.get("/work", async (c) => {
    const parsed = parseWorkMs(c.req.queries("ms") ?? [], options.maxWorkMs);
    if (!parsed.ok) return problem(c, 400, parsed.detail);
    const ms = parsed.ms;
    return await tracer.startActiveSpan(
      "compute",
      { attributes: { "work.ms": ms } },
      async (span) => {
        try {
          const started = performance.now();
          await sleep(ms);
          if (random() < WARNING_RATE) {
            log.warn("intermittent issue observed", { "work.ms": ms });
          }
          const latency = Math.round((performance.now() - started) * 100) / 100;
          return c.json({ ok: true, work_ms: ms, latency_ms: latency });
        } finally {
          span.end();
        }
      },
    );
  });

  app.get("/error", (c) =>
    tracer.startActiveSpan("boom", (span) => {
      try {
        throw new Error("boom");
      } catch (err) {
        const error = err as Error;
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        log.error("boom", {
          "exception.type": error.name,
          "exception.message": error.message,
        });
        c.set("errorType", error.name);
        return problem(c, 500, "boom");
      } finally {
        span.end();
      }
    }));

  app.get("/healthz", (c) => c.json({ status: "alive" }));
  app.get(
    "/readyz",
    (c) =>
      options.isDraining()
        ? c.json({ status: "draining" }, 503)
        : c.json({ status: "ready" }),
  );

  for (const route of ROUTES) app.all(route, GET_ONLY);

  app.notFound(notFound);
  app.onError((err, c) => {
    log.error("unhandled error", {
      "exception.type": err.name,
      "exception.message": err.message,
      "url.path": c.req.path,
    });
    c.set("errorType", err.name);
    return problem(c, 500, "internal server error");
  });
  return app;
}
