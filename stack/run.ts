/**
 * The check sequence, given each backend's base URL: the same code runs
 * against Docker Compose (published ports) and Kubernetes (port-forwards).
 * Each check prints one `✔`/`✘` line as it finishes; the results are
 * returned. Backend queries are retried until a deadline, because data
 * arrives late: Prometheus scrapes on an interval, the collector batches,
 * Tempo and Loki flush, tail sampling waits for whole traces.
 *
 * Order: space-app (`suite/app.ts`), Tempo, Prometheus, Loki, Grafana,
 * correlation (`suite/*.ts`).
 *
 * @module
 */
import type { CheckResult } from "./report.ts";
import {
  type Expectations,
  type RunDeps,
  type RunOptions,
  Session,
  type StackEndpoints,
} from "./session.ts";
import { checkApp } from "./suite/app.ts";
import { checkCorrelation } from "./suite/correlation.ts";
import { checkGrafana } from "./suite/grafana.ts";
import { checkLoki } from "./suite/loki.ts";
import { checkPrometheus } from "./suite/prometheus.ts";
import { checkTempo } from "./suite/tempo.ts";

export type {
  Expectations,
  Provisioned,
  RunDeps,
  RunOptions,
  StackEndpoints,
} from "./session.ts";
export { SERVICE_GRAPH_SERIES } from "./suite/correlation.ts";

/** Runs every check in order; resolves with all results (never rejects). */
export async function runChecks(
  endpoints: StackEndpoints,
  expect: Expectations,
  deps: Partial<RunDeps> & Pick<RunDeps, "print">,
  options: RunOptions,
): Promise<CheckResult[]> {
  const session = new Session(endpoints, expect, deps, options);
  await checkApp(session, options.rounds ?? 30);
  session.restartDeadline();
  await checkTempo(session);
  await checkPrometheus(session);
  await checkLoki(session);
  await checkGrafana(session);
  await checkCorrelation(session);
  return session.results;
}
