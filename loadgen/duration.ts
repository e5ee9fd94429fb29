/**
 * Durations as people write them on a command line: `500ms`, `30s`, `5m`,
 * `1h`, `1.5s`.
 *
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds for `text`, or `undefined` when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return Number.isFinite(ms) ? ms : undefined;
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
