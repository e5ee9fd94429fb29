/**
 * Order statistics for the bench: percentiles of latency samples and
 * medians across runs.
 *
 * @module
 */

/**
 * The `p`-th percentile (0..100) of `values` by the nearest-rank method:
 * the smallest value with at least `p`% of the samples at or below it.
 * `NaN` for an empty list. `values` need not be sorted.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) {
    throw new RangeError(`percentile ${p} is outside 0..100`);
  }
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** The median of `values` (mean of the middle two for an even count); `NaN` when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `a / b`, or `NaN` when either is not a finite number or `b` is 0. */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return a / b;
}

/** Rounds to `digits` decimals, keeping `NaN` as is. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
