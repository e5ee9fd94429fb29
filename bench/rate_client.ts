/**
 * Open-loop fixed-rate HTTP client, run as its own process so the harness
 * does not share its CPU: sends GET requests on a fixed schedule whether or
 * not earlier ones have answered (a slow server cannot slow the sending, so
 * its stalls show in the latencies instead of hiding), and measures each
 * latency from the send to the end of the body. How late sends were against
 * the schedule is reported apart, as the client's own lag. Prints one JSON
 * {@link RateResult} line.
 *
 * Usage: deno run -A bench/rate_client.ts --url URL --rate R --duration S
 *
 * @module
 */
import { clientArgs, positive, writeJsonLine } from "./client_args.ts";
import type { RateResult } from "./load_result.ts";
import { percentile } from "./stats.ts";

/** Requests allowed in flight before due ones are skipped (and counted). */
export const MAX_OUTSTANDING = 2_000;

/** Sends `rate` requests/s to `url` for `durationS` seconds. */
export async function runAtRate(
  url: string,
  rate: number,
  durationS: number,
): Promise<RateResult> {
  const latencies: number[] = [];
  const lags: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let skipped = 0;
  let outstanding = 0;
  const pending = new Set<Promise<void>>();
  const total = Math.round(rate * durationS);
  const intervalMs = 1000 / rate;
  const start = performance.now();

  const send = (due: number) => {
    outstanding++;
    const sent = performance.now();
    lags.push(sent - due);
    const p = fetch(url).then(async (res) => {
      await res.arrayBuffer();
      latencies.push(performance.now() - sent);
      if (res.status >= 400) non2xx++;
    }).catch(() => {
      errors++;
    }).finally(() => {
      outstanding--;
      pending.delete(p);
    });
    pending.add(p);
  };

  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && start + next * intervalMs <= now) {
      if (outstanding >= MAX_OUTSTANDING) skipped++;
      else send(start + next * intervalMs);
      next++;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - start) / 1000;
  return {
    tool: "deno open-loop rate client",
    rate,
    scheduled: total,
    skipped,
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    lagP99Ms: percentile(lags, 99),
    errors,
    non2xx,
  };
}

if (import.meta.main) {
  const a = clientArgs(Deno.args, ["url", "rate", "duration"]);
  writeJsonLine(
    await runAtRate(
      a.url,
      positive("rate", a.rate),
      positive("duration", a.duration),
    ),
  );
}
