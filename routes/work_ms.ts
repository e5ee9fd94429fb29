/**
 * Parsing of `/work`'s `ms` query parameter.
 *
 * @module
 */

/** Used when `ms` is absent (capped by the maximum). */
export const DEFAULT_WORK_MS = 200;

/** The parsed value, or the one-line reason it was refused. */
export type WorkMsResult = { ok: true; ms: number } | {
  ok: false;
  detail: string;
};

/**
 * Accepts exactly one decimal integer from 0 to `max`; refuses empty,
 * signed, fractional, exponent and repeated values with a message naming
 * the value and the allowed range.
 */
export function parseWorkMs(
  values: readonly string[],
  max: number,
): WorkMsResult {
  const allowed = `an integer from 0 to ${max}`;
  if (values.length === 0) {
    return { ok: true, ms: Math.min(DEFAULT_WORK_MS, max) };
  }
  if (values.length > 1) {
    return {
      ok: false,
      detail:
        `query parameter ms was given ${values.length} times: expected it once, ${allowed}`,
    };
  }
  const raw = values[0];
  const shown = JSON.stringify(
    raw.length > 40 ? raw.slice(0, 40) + "..." : raw,
  );
  if (!/^[0-9]{1,10}$/.test(raw) || Number(raw) > max) {
    return {
      ok: false,
      detail: `invalid query parameter ms=${shown}: expected ${allowed}`,
    };
  }
  return { ok: true, ms: Number(raw) };
}
