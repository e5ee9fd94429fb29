/**
 * Check results and how they are printed: one line per check, `✔` or `✘`,
 * its name, how long it took and what was found.
 *
 * @module
 */
import { seconds } from "./poll.ts";

/** The outcome of one check. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** What was found, or why it failed; one line. */
  readonly detail: string;
  readonly elapsedMs: number;
}

/** Where report lines go (stdout in the real run, an array in tests). */
export type Print = (line: string) => void;

/** One result as the line printed for it. */
export function formatResult(result: CheckResult): string {
  const mark = result.ok ? "✔" : "✘";
  return `${mark} ${result.name} (${
    seconds(result.elapsedMs)
  }): ${result.detail}`;
}

/** The closing line: how many passed, and which failed. */
export function formatSummary(results: readonly CheckResult[]): string {
  const failed = results.filter((r) => !r.ok);
  if (results.length === 0) return "no checks ran";
  if (failed.length === 0) {
    return `all ${results.length} checks passed`;
  }
  return `${failed.length} of ${results.length} checks failed: ${
    failed.map((r) => r.name).join("; ")
  }`;
}

/** True when there is at least one result and none failed. */
export function allPassed(results: readonly CheckResult[]): boolean {
  return results.length > 0 && results.every((r) => r.ok);
}

/** Prints the closing summary line; resolves with the exit code (0 or 1). */
export function summarize(
  results: readonly CheckResult[],
  print: Print,
): number {
  const ok = allPassed(results);
  print(`${ok ? "✔" : "✘"} ${formatSummary(results)}`);
  return ok ? 0 : 1;
}
