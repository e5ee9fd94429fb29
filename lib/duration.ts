/**
 * Durations as people write them: `500ms`, `30s`, `5m`, `12h`, `14d`,
 * `2w`, and sums such as `1h30m`. Backends of the stack (Prometheus, Loki)
 * read whole numbers only, so fractions (`1.5s`) are accepted only where
 * the caller says so. And {@link sleep}, the one way code here waits.
 *
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of `text`, or `undefined` when it is not a duration. */
export function parseDuration(
  text: string,
  options: { fractions?: boolean } = {},
): number | undefined {
  const number = options.fractions ? "\\d+(?:\\.\\d+)?" : "\\d+";
  const part = `(${number})(ms|s|m|h|d|w)`;
  if (!new RegExp(`^(?:${part})+$`).test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(new RegExp(part, "g"))) {
    total += Number(amount) * UNIT_MS[unit];
  }
  return Number.isFinite(total) ? total : undefined;
}

/** A short human form: `850ms`, `12.5s`, `5m`, `1h 2m`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(1))}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  if (minutes < 60) return seconds ? `${minutes}m ${seconds}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
