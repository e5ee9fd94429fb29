/**
 * Which series a PromQL expression reads: enough of a parser to check that
 * every generated query names a series that exists, so a renamed instrument
 * fails a test instead of leaving a panel empty.
 * @module
 */

const KEYWORDS = new Set(
  "by without on ignoring group_left group_right bool and or unless offset inf nan"
    .split(" "),
);

/** Metric names and `__name__` patterns an expression reads. */
export function seriesInPromQL(expr: string) {
  // Selectors by name pattern: {__name__=~"..."}.
  const patterns = [...expr.matchAll(/__name__\s*=~?\s*"([^"]*)"/g)]
    .map((m) => new RegExp(`^(?:${m[1]})$`));
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges
    .replace(
      /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g,
      " ",
    );
  const names = new Set<string>();
  const words = stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?/g);
  for (const [word, call] of words) {
    // Function calls and keywords are not series.
    if (!call && !KEYWORDS.has(word.toLowerCase())) names.add(word);
  }
  return { names: [...names].sort(), patterns };
}
