/**
 * Waiting for every service's readiness endpoint at once, each with its own
 * timeout, reporting one check line per service.
 *
 * @module
 */
import { errorText, type FetchLike } from "./http.ts";
import {
  type Clock,
  type ReadinessTarget,
  seconds,
  waitReady,
} from "./poll.ts";
import { type CheckResult, formatResult, type Print } from "./report.ts";

/** Polls all targets in parallel; resolves with one result per target, in order. */
export async function waitAllReady(
  targets: readonly ReadinessTarget[],
  deps: { fetch?: FetchLike; clock?: Clock; print: Print },
): Promise<CheckResult[]> {
  const results = await Promise.all(targets.map(async (target) => {
    try {
      const ready = await waitReady(target, {
        fetch: deps.fetch,
        clock: deps.clock,
      });
      return {
        name: `ready: ${target.name}`,
        ok: true,
        detail: `${target.url} after ${ready.attempts} attempt${
          ready.attempts === 1 ? "" : "s"
        } (timeout ${seconds(target.timeoutMs)})`,
        elapsedMs: ready.elapsedMs,
      };
    } catch (error) {
      return {
        name: `ready: ${target.name}`,
        ok: false,
        detail: errorText(error),
        elapsedMs: target.timeoutMs,
      };
    }
  }));
  for (const r of results) deps.print(formatResult(r));
  return results;
}
