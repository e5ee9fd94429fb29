/**
 * The load phases of a run, whichever tool performs them: saturation with
 * wrk (or the labelled Deno fallback) and the fixed-rate phase with the
 * Deno open-loop client, each a separate process pinned to the load core.
 *
 * @module
 */
import { run } from "./exec.ts";
import type { LoadResult, RateResult } from "./load_result.ts";
import { FALLBACK_TOOL } from "./load_client.ts";
import { pinned, type Pinning } from "./pinning.ts";
import { runWrk } from "./wrk.ts";

/** Runs load against a service. */
export interface LoadGenerator {
  /** Saturation tool, for the report (`wrk ...` or the fallback label). */
  readonly saturationTool: string;
  /** True when wrk is not used. */
  readonly fallback: boolean;
  /** Closed-loop load with `connections` connections for `durationS` seconds. */
  saturate(
    url: string,
    connections: number,
    durationS: number,
  ): Promise<LoadResult>;
  /** Open-loop load at `rate` requests/s for `durationS` seconds. */
  atRate(url: string, rate: number, durationS: number): Promise<RateResult>;
}

async function runClient<T>(
  pinning: Pinning,
  script: string,
  args: string[],
): Promise<T> {
  const out = await run(pinned(pinning, "load", [
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    "--frozen",
    `bench/${script}`,
    ...args,
  ]));
  const line = out.stdout.trim().split("\n").pop() ?? "";
  if (out.code !== 0 || !line.startsWith("{")) {
    throw new Error(
      `bench/${script} exited ${out.code}: ${out.stderr.trim() || line}`,
    );
  }
  return JSON.parse(line) as T;
}

/** A load generator using wrk at `wrkPath` when given, else the Deno fallback. */
export function createLoadGenerator(
  pinning: Pinning,
  wrkPath: string | undefined,
  wrkLabel = "wrk",
): LoadGenerator {
  return {
    saturationTool: wrkPath ? wrkLabel : FALLBACK_TOOL,
    fallback: wrkPath === undefined,
    saturate: (url, connections, durationS) =>
      wrkPath
        ? runWrk(wrkPath, pinning, url, connections, durationS)
        : runClient<LoadResult>(pinning, "load_client.ts", [
          "--url",
          url,
          "--connections",
          String(connections),
          "--duration",
          String(durationS),
        ]),
    atRate: (url, rate, durationS) =>
      runClient<RateResult>(pinning, "rate_client.ts", [
        "--url",
        url,
        "--rate",
        String(rate),
        "--duration",
        String(durationS),
      ]),
  };
}
