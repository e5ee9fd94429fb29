/**
 * Summary statistics shared by the load generator, the bench and the
 * tests: nearest-rank percentiles and the median.
 *
 * @module
 */

/**
 * The nearest-rank percentile `p` (0 < p <= 100) of ascending `sorted`
 * values: the smallest value with at least p% of the values at or below it.
 * `undefined` for no values.
 */
export function percentile(
  sorted: ArrayLike<number>,
  p: number,
): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median of `values` (any order); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
