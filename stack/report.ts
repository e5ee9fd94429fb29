/**
 * Check results and how they are printed: one line per check starting with
 * `ok`, `FAIL` or `skip`, then a closing line of counts.
 *
 * @module
 */

/** The outcome of one check. */
export interface CheckResult {
  readonly name: string;
  readonly outcome: "ok" | "FAIL" | "skip";
  /** What was found, why it failed, or why it was not run; one line. */
  readonly detail: string;
}

/** Where report lines go (stdout in the real run, an array in tests). */
export type Print = (line: string) => void;

/** One result as the line printed for it. */
export function formatResult(r: CheckResult): string {
  return `${r.outcome} ${r.name}: ${r.detail}`;
}

/** `N passed, N failed, N skipped`. */
export function formatSummary(results: readonly CheckResult[]): string {
  const count = (o: CheckResult["outcome"]) =>
    results.filter((r) => r.outcome === o).length;
  return `${count("ok")} passed, ${count("FAIL")} failed, ${
    count("skip")
  } skipped`;
}

/** Collects results, printing each as it arrives. */
export class Report {
  constructor(
    readonly print: Print,
    readonly results: CheckResult[] = [],
    readonly prefix = "",
  ) {}

  /** The same report, each check's name prefixed with `[name]`. */
  scope(name: string): Report {
    return new Report(this.print, this.results, `[${name}] `);
  }

  add(result: CheckResult): void {
    const named = { ...result, name: `${this.prefix}${result.name}` };
    this.results.push(named);
    this.print(formatResult(named));
  }

  skip(name: string, reason: string): void {
    this.add({ name, outcome: "skip", detail: reason });
  }

  /** Runs a check: `body` resolves with the detail, or rejects with why. */
  async check(name: string, body: () => Promise<string>): Promise<void> {
    try {
      this.add({ name, outcome: "ok", detail: await body() });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.add({ name, outcome: "FAIL", detail: text.replace(/\s+/g, " ") });
    }
  }

  get failed(): boolean {
    return this.results.some((r) => r.outcome === "FAIL");
  }

  /** Prints the closing line; the exit code (1 on any failure). */
  finish(): number {
    this.print(formatSummary(this.results));
    return this.failed || this.results.length === 0 ? 1 : 0;
  }
}
