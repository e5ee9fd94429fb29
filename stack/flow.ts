/**
 * What the Compose and Kubernetes flows share: their effects, the skip rule,
 * and turning targets into readiness URLs and check endpoints once each flow
 * knows how a port is reached.
 *
 * @module
 */
import type { CommandRunner } from "./commands.ts";
import type { StackOptions } from "./flags.ts";
import type { FetchLike } from "./http.ts";
import type { Clock, ReadinessTarget } from "./poll.ts";
import type { Print } from "./report.ts";
import type { StackEndpoints } from "./run.ts";
import type {
  Env,
  ServiceTarget,
  StackTargets,
  TargetsResult,
} from "./targets.ts";

/** Readiness targets of the services whose readiness port is reachable at `host`. */
export function readinessTargets(
  services: readonly ServiceTarget[],
  url: (service: ServiceTarget, port: number) => string,
): ReadinessTarget[] {
  return services.flatMap((s) =>
    s.ready === undefined ? [] : [{
      name: s.name,
      url: `${url(s, s.ready.port)}${s.ready.path}`,
      timeoutMs: s.readyTimeoutMs,
    }]
  );
}

/** Base URLs of the checks, given how a service's port is reached. */
export function endpointsOf(
  services: StackTargets["services"],
  url: (service: ServiceTarget, port: number) => string,
): StackEndpoints {
  const at = (s: ServiceTarget) => url(s, s.port ?? 0);
  return {
    app: at(services.app),
    prometheus: at(services.prometheus),
    tempo: at(services.tempo),
    loki: at(services.loki),
    grafana: at(services.grafana),
  };
}

/** Effects of a stack run; tests pass fakes. */
export interface StackDeps {
  readonly runner: CommandRunner;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly wallNow: () => number;
  readonly print: Print;
  /** Repository root (commands run there; paths are relative to it). */
  readonly root: string;
  /** Environment (Grafana credential overrides, Compose interpolation). */
  readonly env: Env;
  /** Fixed targets instead of reading deploy/ (tests). */
  readonly targets?: StackTargets;
  /**
   * Registers what an interrupt (Ctrl-C, SIGTERM) must still do: tear the
   * stack down. `undefined` clears it.
   */
  readonly onInterrupt?: (cleanup: (() => Promise<void>) | undefined) => void;
}

/** Prints a skip (exit 0) or, with `--require`, a failure (exit 1). */
export function skip(reason: string, options: StackOptions, print: Print) {
  if (options.require) {
    print(`✘ stack test not run: ${reason} (--require makes this a failure)`);
    return 1;
  }
  print(`stack test skipped: ${reason}`);
  print("(pass --require to make a missing engine or cluster a failure)");
  return 0;
}

/** Prints each problem and returns the targets, or `undefined` after printing. */
export function usableTargets(
  result: TargetsResult,
  print: Print,
): StackTargets | undefined {
  if (result.ok) return result.targets;
  for (const problem of result.problems) print(`✘ ${problem}`);
  return undefined;
}
