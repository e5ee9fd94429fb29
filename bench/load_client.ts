/**
 * The fallback saturation load generator for machines without wrk: N
 * concurrent closed-loop fetch loops over keep-alive connections, run as
 * its own process. Deno's fetch costs more per request than wrk, so it may
 * saturate itself before the server; results are labelled as coming from
 * the fallback. Prints one JSON {@link LoadResult} line.
 *
 * Usage: deno run -A bench/load_client.ts --url URL --connections N --duration S
 *
 * @module
 */
import { clientArgs, positive, writeJsonLine } from "./client_args.ts";
import type { LoadResult } from "./load_result.ts";
import { percentile } from "./stats.ts";

/** Label of results from this generator. */
export const FALLBACK_TOOL =
  "built-in Deno fetch loops (FALLBACK: wrk not used)";

/** Keeps `connections` requests in flight against `url` for `durationS` seconds. */
export async function saturate(
  url: string,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const start = performance.now();
  const end = start + durationS * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        latencies.push(performance.now() - sent);
        if (res.status >= 400) non2xx++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const seconds = (performance.now() - start) / 1000;
  return {
    tool: FALLBACK_TOOL,
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    non2xx,
  };
}

if (import.meta.main) {
  const a = clientArgs(Deno.args, ["url", "connections", "duration"]);
  writeJsonLine(
    await saturate(
      a.url,
      Math.round(positive("connections", a.connections)),
      positive("duration", a.duration),
    ),
  );
}
