/**
 * The load phases: saturation with wrk (or the labelled Deno fallback,
 * closed fetch loops) and the fixed rate with a Deno open-loop client, each
 * a separate process pinned to the load core; and reading wrk's report.
 *
 * Run as a program, this module is the Deno clients, printing one JSON line:
 * - `rate URL RATE SECONDS`: open loop. Sends on a fixed schedule whether or
 *   not earlier requests answered (a slow server cannot slow the sending, so
 *   its stalls show in the latencies), timing each from the send to the end
 *   of the body; how late sends were is reported apart.
 * - `saturate URL CONNECTIONS SECONDS`: for machines without wrk. Deno's
 *   fetch costs more per request than wrk, so it may saturate itself first.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { printErr, printOut } from "../lib/output.ts";
import { run } from "../lib/process.ts";
import { parseDuration, sleep } from "../lib/duration.ts";
import { percentile } from "../lib/stats.ts";
import { pinned, type Pinning } from "./proc.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Outcome of one load phase, whichever generator produced it. */
export type LoadResult = ReturnType<typeof parseWrk>;

export type RateResult = Awaited<ReturnType<typeof atRate>>;

export type LoadGenerator = Awaited<ReturnType<typeof createLoadGenerator>>;

/** Label of saturation results from the Deno fallback. */
export const FALLBACK_TOOL =
  "built-in Deno fetch loops (FALLBACK: wrk not used)";

/** Requests in flight beyond which the rate client skips due ones (counted). */
const MAX_OUTSTANDING = 2_000;

/** Milliseconds of a time wrk prints: `540.00us`, `2.61ms`, `1.20s`, `1.00m`. */
const wrkMs = (amount: string, unit: string) =>
  unit === "us"
    ? Number(amount) / 1000
    : parseDuration(amount + unit, { fractions: true }) ?? NaN;

/** Parses the text wrk prints with `--latency`. */
export function parseWrk(text: string) {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h)\b/.exec(text);
  if (!total) {
    throw new Error(`wrk: no "N requests in T" line in:\n${text.trim()}`);
  }
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m")
      .exec(text);
    return m ? wrkMs(m[1], m[2]) : NaN;
  };
  // "Socket errors: connect 0, read 3, write 1, timeout 2"
  const socket = /Socket errors:(.*)/.exec(text)?.[1].match(/\d+/g) ?? [];
  const requests = Number(total[1]);
  const seconds = wrkMs(total[2], total[3]) / 1000;
  return {
    /** `wrk` or a built-in Deno client. */
    tool: "wrk",
    /** Responses received (any status). */
    requests,
    seconds,
    rps: requests / seconds,
    p50Ms: pct("50"),
    p99Ms: pct("99"),
    /** Connection errors, timeouts and failed requests. */
    errors: socket.reduce((n, x) => n + Number(x), 0),
    /** Responses outside 2xx/3xx. */
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
  };
}

/** wrk when installed and `useWrk`, else the Deno fallback, for saturation. */
export async function createLoadGenerator(pinning: Pinning, useWrk: boolean) {
  const probe = useWrk ? await run(["wrk", "--version"]) : undefined;
  const wrk = probe && probe.code !== 127
    ? (probe.stdout + probe.stderr).split("\n")[0].replace(/ Copyright.*/, "")
    : undefined;
  /** The stdout of `argv` run on the load core. */
  const runPinned = async (argv: string[]) => {
    const out = await run(pinned(pinning, "load", argv), { cwd: ROOT });
    if (out.code === 0) return out.stdout;
    const why = (out.stderr || out.stdout).trim().split("\n").at(-1);
    throw new Error(`${argv[0]} exited ${out.code}: ${why}`);
  };
  /** This module as a program: its one JSON line. */
  const client = async <T>(...args: (string | number)[]): Promise<T> => {
    const deno = [Deno.execPath(), "run", "-A", "--quiet", "--frozen"];
    const argv = [...deno, fileURLToPath(import.meta.url), ...args.map(String)];
    return JSON.parse((await runPinned(argv)).trim().split("\n").at(-1)!);
  };
  return {
    /** Saturation tool for the report (`wrk 4.1.0 ...` or {@link FALLBACK_TOOL}). */
    tool: wrk ?? FALLBACK_TOOL,
    fallback: !wrk,
    async saturate(url: string, connections: number, s: number) {
      if (!wrk) return client<LoadResult>("saturate", url, connections, s);
      const args = ["-t1", `-c${connections}`, `-d${s}s`, "--latency", url];
      return parseWrk(await runPinned(["wrk", ...args]));
    },
    atRate: (url: string, rate: number, s: number) =>
      client<RateResult>("rate", url, rate, s),
  };
}

/** Latencies of answered requests, failed requests, non-2xx answers. */
class Tally {
  latencies: number[] = [];
  errors = 0;
  non2xx = 0;
  readonly started = performance.now();

  /** Fetches `url` to the end of its body, recording the latency. */
  async hit(url: string): Promise<void> {
    const sent = performance.now();
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      this.latencies.push(performance.now() - sent);
      if (res.status >= 400) this.non2xx++;
    } catch {
      this.errors++;
    }
  }

  result(tool: string): LoadResult {
    const seconds = (performance.now() - this.started) / 1000;
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      tool,
      requests: sorted.length,
      seconds,
      rps: sorted.length / seconds,
      p50Ms: pct(sorted, 50),
      p99Ms: pct(sorted, 99),
      errors: this.errors,
      non2xx: this.non2xx,
    };
  }
}

const pct = (sorted: Float64Array, p: number) => percentile(sorted, p) ?? NaN;

/** Keeps `connections` requests in flight against `url` for `s` seconds. */
export async function saturate(url: string, connections: number, s: number) {
  const t = new Tally();
  const end = t.started + s * 1000;
  const loop = async () => {
    while (performance.now() < end) await t.hit(url);
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return t.result(FALLBACK_TOOL);
}

/** Sends `rate` requests/s to `url` for `s` seconds, open loop. */
export async function atRate(url: string, rate: number, s: number) {
  const t = new Tally();
  const lags: number[] = [];
  const pending = new Set<Promise<void>>();
  let skipped = 0;
  const scheduled = Math.round(rate * s);
  for (let next = 0; next < scheduled;) {
    const now = performance.now();
    for (; next < scheduled && t.started + next * 1000 / rate <= now; next++) {
      if (pending.size >= MAX_OUTSTANDING) {
        skipped++;
        continue;
      }
      lags.push(performance.now() - (t.started + next * 1000 / rate));
      const p: Promise<void> = t.hit(url).finally(() => pending.delete(p));
      pending.add(p);
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return {
    ...t.result("deno open-loop rate client"),
    rate,
    /** Requests due by the schedule. */
    scheduled,
    /** Due requests not sent because {@link MAX_OUTSTANDING} were in flight. */
    skipped,
    /** 99th percentile of how late requests were sent against the schedule. */
    lagP99Ms: pct(Float64Array.from(lags).sort(), 99),
  };
}

if (import.meta.main) {
  const [mode, url, n, s] = Deno.args;
  if (
    Deno.args.length !== 4 || !["rate", "saturate"].includes(mode) ||
    !(Number(n) > 0) || !(Number(s) > 0)
  ) {
    printErr("usage: bench/load.ts rate|saturate URL RATE|CONNECTIONS SECONDS");
    Deno.exit(2);
  }
  printOut(JSON.stringify(
    mode === "rate"
      ? await atRate(url, Number(n), Number(s))
      : await saturate(url, Math.round(Number(n)), Number(s)),
  ));
}
