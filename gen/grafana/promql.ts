/**
 * Which series a PromQL expression reads: enough of a parser to check
 * that every generated query names a series that exists after the
 * collector's translation (or one a backend generates), so a renamed
 * instrument fails a test instead of leaving a panel empty.
 *
 * @module
 */

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
]);

/** Metric names and `__name__` patterns an expression selects. */
export interface SeriesRefs {
  readonly names: readonly string[];
  readonly patterns: readonly RegExp[];
}

/** The series an expression reads. */
export function seriesInPromQL(expr: string): SeriesRefs {
  const patterns: RegExp[] = [];
  // Selectors by name pattern: {__name__=~"..."}.
  for (const m of expr.matchAll(/__name__\s*=~?\s*"([^"]*)"/g)) {
    patterns.push(new RegExp(`^(?:${m[1]})$`));
  }
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges
    .replace(
      /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g,
      " ",
    );
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?/g)) {
    const word = m[0].replace(/\s*\($/, "");
    const isCall = m[1] !== undefined;
    if (isCall || KEYWORDS.has(word.toLowerCase())) continue;
    if (word.startsWith("$")) continue;
    names.add(word);
  }
  return { names: [...names].sort(), patterns };
}
