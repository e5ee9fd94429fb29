/**
 * Running wrk at saturation and reading its report.
 *
 * @module
 */
import { run } from "./exec.ts";
import type { LoadResult } from "./load_result.ts";
import { pinned, type Pinning } from "./pinning.ts";

const TIME_UNITS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

function toMs(value: string, unit: string): number {
  const scale = TIME_UNITS[unit];
  if (scale === undefined) throw new Error(`wrk: unknown time unit ${unit}`);
  return Number(value) * scale;
}

/** Parses the text wrk prints with `--latency`. */
export function parseWrk(text: string): LoadResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h)\b/.exec(text);
  if (!total) {
    throw new Error(`wrk: no "N requests in T" line in:\n${text.trim()}`);
  }
  const requests = Number(total[1]);
  const seconds = toMs(total[2], total[3]) / 1000;
  const pct = (p: string): number => {
    const match = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m")
      .exec(text);
    return match ? toMs(match[1], match[2]) : NaN;
  };
  const socket =
    /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/
      .exec(text);
  const errors = socket
    ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0)
    : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  return {
    tool: "wrk",
    requests,
    seconds,
    rps: requests / seconds,
    p50Ms: pct("50"),
    p99Ms: pct("99"),
    errors,
    non2xx,
  };
}

/** `wrk --version` first line, e.g. `wrk 4.1.0 [epoll] ...`. */
export async function wrkVersion(wrk: string): Promise<string> {
  const out = await run([wrk, "--version"]);
  return (out.stdout + out.stderr).split("\n")[0].trim();
}

/** Runs `wrk -t1 -c<connections> -d<seconds>s --latency url`, pinned to the load core. */
export async function runWrk(
  wrk: string,
  pinning: Pinning,
  url: string,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const out = await run(pinned(pinning, "load", [
    wrk,
    "-t1",
    `-c${connections}`,
    `-d${durationS}s`,
    "--latency",
    url,
  ]));
  if (out.code !== 0) {
    throw new Error(`wrk exited ${out.code}: ${out.stderr || out.stdout}`);
  }
  return parseWrk(out.stdout);
}
