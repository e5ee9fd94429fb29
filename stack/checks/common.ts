/**
 * What every response parser shares: the HTTP answer they read, the error
 * they throw, and careful JSON access.
 *
 * @module
 */

/** An HTTP answer as the checks see it: status code and body text. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * A backend answered, but not with what a check needs (error status, error
 * payload, wrong shape). The message is one line naming the API and why.
 */
export class ApiError extends Error {
  override name = "ApiError";
}

/** The first `max` characters of a body on one line, for error messages. */
export function excerpt(body: string, max = 200): string {
  const line = body.replace(/\s+/g, " ").trim();
  if (line === "") return "(empty body)";
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Parses a JSON body or throws {@link ApiError} naming `api` and the status. */
export function parseJson(api: string, answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body);
  } catch {
    throw new ApiError(
      `${api}: ${answer.status} answer is not JSON: ${excerpt(answer.body)}`,
    );
  }
}

/** A plain JSON object, or `undefined`. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** An array, or an empty one when `value` is not an array. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string, or `fallback` when `value` is not one. */
export function asString(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

/** A string-to-string map (labels, metadata); other values are dropped. */
export function asStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(value) ?? {})) {
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** Throws {@link ApiError} unless the status is 2xx, quoting the body. */
export function requireOk(api: string, answer: HttpAnswer): void {
  if (answer.status < 200 || answer.status > 299) {
    throw new ApiError(`${api}: ${answer.status}: ${excerpt(answer.body)}`);
  }
}

/** The entries of `expected` not in `found`, in `expected` order. */
export function missingFrom(
  expected: readonly string[],
  found: Iterable<string>,
): string[] {
  const have = new Set(found);
  return expected.filter((e) => !have.has(e));
}
