/**
 * JSON problem responses: every non-2xx answer is `{"detail": "..."}`.
 *
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Answers `{"detail": detail}` with the given status. */
export function problem(
  c: Context,
  status: ContentfulStatusCode,
  detail: string,
): Response {
  return c.json({ detail }, status);
}

/** 404 for a path no route serves. */
export function notFound(c: Context): Response {
  return problem(c, 404, `no route for ${c.req.method} ${c.req.path}`);
}

/** 405 for a known path and a method it does not serve, with `Allow`. */
export function methodNotAllowed(allowed: readonly string[]) {
  const allow = allowed.join(", ");
  return (c: Context): Response => {
    c.header("Allow", allow);
    return problem(
      c,
      405,
      `method ${c.req.method} is not allowed on ${c.req.path}: use ${allow}`,
    );
  };
}
