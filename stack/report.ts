/**
 * Check results, printed one line each (`ok`, `FAIL` or `skip`, the check's
 * name, what it found or why), then a closing line of counts.
 *
 * @module
 */
import type { Finished } from "../lib/process.ts";

/** What every mode gets: the command line's flags (see `USAGE`), and for tests a fake `run`. */
export interface RunOptions {
  readonly report: Report;
  readonly timeoutS: number;
  readonly keep: boolean;
  readonly require: boolean;
  readonly log: (line: string) => void;
  readonly run?: (argv: string[]) => Promise<Finished>;
}

type Outcome = "ok" | "FAIL" | "skip";

/** Collects results, printing each as it arrives. */
export class Report {
  constructor(
    readonly print: (line: string) => void,
    /** One per check; `detail` is one line. */
    readonly results: { name: string; outcome: Outcome; detail: string }[] = [],
    readonly prefix = "",
  ) {}

  /** The same report, each check's name prefixed with `[name]`. */
  scope(name: string): Report {
    return new Report(this.print, this.results, `[${name}] `);
  }

  add(outcome: Outcome, name: string, detail: string): void {
    const result = { name: `${this.prefix}${name}`, outcome, detail };
    this.results.push(result);
    this.print(`${outcome} ${result.name}: ${detail}`);
  }

  skip(name: string, reason: string): void {
    this.add("skip", name, reason);
  }

  /** A missing toolchain, engine or cluster: a skip, or a failure if `required`. */
  missing(name: string, reason: string, required: boolean): void {
    if (required) this.add("FAIL", name, reason);
    else this.skip(name, `${reason} (--require makes this a failure)`);
  }

  /** Runs a check (`body` resolves with the detail or rejects with why), or skips it for the reason `skip` gives. */
  async check(name: string, body: () => Promise<string>, skip?: string) {
    if (skip) return this.skip(name, skip);
    try {
      this.add("ok", name, await body());
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.add("FAIL", name, text.replace(/\s+/g, " "));
    }
  }

  get failed(): boolean {
    return this.results.some((r) => r.outcome === "FAIL");
  }

  /** Prints the closing line; the exit code (1 on any failure or no checks). */
  finish(): number {
    const count = (o: Outcome) =>
      this.results.filter((r) => r.outcome === o).length;
    const [ok, failed, skipped] = [count("ok"), count("FAIL"), count("skip")];
    this.print(`${ok} passed, ${failed} failed, ${skipped} skipped`);
    return this.failed || this.results.length === 0 ? 1 : 0;
  }
}
