/**
 * The check sequence, given each backend's base URL: the same code runs
 * against Docker Compose (published ports) and Kubernetes (port-forwards).
 * Each check prints one `✔`/`✘` line as it finishes and the list of results
 * is returned. Backend queries are retried until a deadline, because data
 * arrives late: Prometheus scrapes on an interval, the collector batches,
 * Tempo and Loki flush, tail sampling waits for whole traces.
 *
 * @module
 */
import {
  APP_REQUEST_DURATION,
  APP_REQUESTS,
  HTTP_SERVER_DURATION,
  prometheusJob,
  prometheusLabel,
  prometheusSeries,
} from "../telemetry/instruments.ts";
import {
  ApiError,
  CATEGORIZE_LABELS,
  excerpt,
  findCallLink,
  labelValues,
  logqlString,
  LOKI_ENCODING_HEADER,
  missingFrom,
  parseAlertRules,
  parseDashboardSearch,
  parseDatasourceHealth,
  parseGrafanaHealth,
  parseLokiStreams,
  parsePromVector,
  parseTempoSearch,
  parseTempoTrace,
  promSelector,
  serviceNames,
  traceIdsFromLogs,
  traceqlString,
  type TraceSpan,
} from "./checks.ts";
import { EXERCISE_ROUTES, exerciseApp, formatExercise } from "./exercise.ts";
import { basicAuth, errorText, type FetchLike, getAnswer } from "./http.ts";
import { type Clock, realClock, retryUntil } from "./poll.ts";
import { type CheckResult, formatResult, type Print } from "./report.ts";

/** Base URLs of everything the checks query (no trailing slash needed). */
export interface StackEndpoints {
  readonly app: string;
  readonly prometheus: string;
  readonly tempo: string;
  readonly loki: string;
  readonly grafana: string;
}

/** A provisioned Grafana object the checks expect, by uid. */
export interface Provisioned {
  readonly uid: string;
  readonly title: string;
}

/** What the stack must contain; built from the typed config in `targets.ts`. */
export interface Expectations {
  /** `service.name` of the service (`space-app`). */
  readonly service: string;
  /** `service.namespace` of the service (the `job` prefix). */
  readonly namespace: string;
  /** `service.name` of the load generator running in the stack. */
  readonly loadgen: string;
  readonly grafanaUser: string;
  readonly grafanaPassword: string;
  /** Datasource uids whose health check must pass. */
  readonly datasources: readonly string[];
  readonly dashboards: readonly Provisioned[];
  readonly alertRules: readonly Provisioned[];
}

/** Effects the run uses; tests pass fakes. */
export interface RunDeps {
  readonly fetch: FetchLike;
  readonly clock: Clock;
  /** Wall-clock milliseconds since the epoch, for query time ranges. */
  readonly wallNow: () => number;
  readonly print: Print;
}

/** Tunables of a run. */
export interface RunOptions {
  /** How long backend checks keep retrying, from the end of the exercise. */
  readonly ingestTimeoutMs: number;
  /** A check started after the shared deadline still gets this long (default 15 s). */
  readonly minRetryMs?: number;
  /** Pause between attempts of a backend query (default 3 s). */
  readonly intervalMs?: number;
  /** Rounds of `/`, `/work`, `/error` (default 30). */
  readonly rounds?: number;
  /** How far back queries look, in seconds (default 900). */
  readonly lookbackS?: number;
}

/** The service-graph series Tempo's metrics generator remote-writes. */
export const SERVICE_GRAPH_SERIES = "traces_service_graph_request_total";

const TRACE_PROBES_PER_ATTEMPT = 10;

/** Runs every check in order; resolves with all results (never rejects). */
export async function runChecks(
  endpoints: StackEndpoints,
  expect: Expectations,
  partialDeps: Partial<RunDeps> & Pick<RunDeps, "print">,
  options: RunOptions,
): Promise<CheckResult[]> {
  const deps: RunDeps = {
    fetch: partialDeps.fetch ?? globalThis.fetch,
    clock: partialDeps.clock ?? realClock,
    wallNow: partialDeps.wallNow ?? Date.now,
    print: partialDeps.print,
  };
  const results: CheckResult[] = [];
  const interval = options.intervalMs ?? 3_000;
  const minRetry = options.minRetryMs ?? 15_000;
  let sharedDeadline = deps.clock.now() + options.ingestTimeoutMs;

  const check = async (name: string, body: () => Promise<string>) => {
    const start = deps.clock.now();
    let result: CheckResult;
    try {
      const detail = await body();
      result = { name, ok: true, detail, elapsedMs: deps.clock.now() - start };
    } catch (error) {
      result = {
        name,
        ok: false,
        detail: errorText(error),
        elapsedMs: deps.clock.now() - start,
      };
    }
    results.push(result);
    deps.print(formatResult(result));
  };
  /** Retries `attempt` until this check's deadline. */
  const retry = async <T>(attempt: () => Promise<T>): Promise<T> => {
    const deadline = Math.max(sharedDeadline, deps.clock.now() + minRetry);
    const { value } = await retryUntil(attempt, {
      deadline,
      clock: deps.clock,
      intervalMs: interval,
    });
    return value;
  };
  const get = (url: string, headers?: Record<string, string>) =>
    getAnswer(deps.fetch, url, { headers });
  const grafanaHeaders = {
    Authorization: basicAuth(expect.grafanaUser, expect.grafanaPassword),
  };

  // --- space-app ------------------------------------------------------------
  await check("space-app answers /, /work and /error", async () => {
    const result = await exerciseApp(
      deps.fetch,
      endpoints.app,
      options.rounds ?? 30,
    );
    if (result.unexpected.length > 0) {
      throw new ApiError(
        `unexpected answers: ${result.unexpected.join("; ")} (${
          formatExercise(result)
        })`,
      );
    }
    return `${result.requests} requests: ${formatExercise(result)}`;
  });
  sharedDeadline = deps.clock.now() + options.ingestTimeoutMs;

  const range = () => {
    const endMs = deps.wallNow();
    const startMs = endMs - (options.lookbackS ?? 900) * 1000;
    return { startMs, endMs };
  };
  const tempoSearch = async (traceql: string, limit = 50) => {
    const { startMs, endMs } = range();
    const params = new URLSearchParams({
      q: traceql,
      start: String(Math.floor(startMs / 1000)),
      end: String(Math.ceil(endMs / 1000) + 1),
      limit: String(limit),
    });
    return parseTempoSearch(
      await get(`${endpoints.tempo}/api/search?${params}`),
    );
  };
  const tempoTrace = async (traceId: string): Promise<TraceSpan[]> =>
    parseTempoTrace(await get(`${endpoints.tempo}/api/v2/traces/${traceId}`));
  const promQuery = async (promql: string) =>
    parsePromVector(
      await get(
        `${endpoints.prometheus}/api/v1/query?${new URLSearchParams({
          query: promql,
        })}`,
      ),
    );
  const lokiQuery = async (logql: string, limit = 200) => {
    const { startMs, endMs } = range();
    const params = new URLSearchParams({
      query: logql,
      start: `${BigInt(Math.floor(startMs)) * 1_000_000n}`,
      end: `${BigInt(Math.ceil(endMs) + 1000) * 1_000_000n}`,
      limit: String(limit),
      direction: "backward",
    });
    return parseLokiStreams(
      await get(`${endpoints.loki}/loki/api/v1/query_range?${params}`, {
        [LOKI_ENCODING_HEADER]: CATEGORIZE_LABELS,
      }),
    );
  };

  // --- Tempo ----------------------------------------------------------------
  const serviceQuery = `{ resource.service.name = ${
    traceqlString(expect.service)
  } }`;
  await check(`Tempo: traces of ${expect.service}`, async () => {
    const hits = await retry(async () => {
      const found = await tempoSearch(serviceQuery);
      if (found.length === 0) {
        throw new ApiError(`no trace matches ${serviceQuery} yet`);
      }
      return found;
    });
    const roots = new Map<string, number>();
    for (const h of hits) {
      roots.set(h.rootServiceName, (roots.get(h.rootServiceName) ?? 0) + 1);
    }
    return `${hits.length} traces; root services: ${
      [...roots].map(([s, n]) => `${s || "(not yet known)"}×${n}`).join(", ")
    }`;
  });

  const bothQuery = `{ resource.service.name = ${
    traceqlString(expect.loadgen)
  } } && ${serviceQuery}`;
  await check(
    `Tempo: traces from ${expect.loadgen} reach ${expect.service}`,
    async () => {
      return await retry(async () => {
        const hits = await tempoSearch(bothQuery, 20);
        if (hits.length === 0) {
          throw new ApiError(`no trace matches ${bothQuery} yet`);
        }
        let last = "";
        for (const hit of hits.slice(0, TRACE_PROBES_PER_ATTEMPT)) {
          try {
            const spans = await tempoTrace(hit.traceId);
            const link = findCallLink(spans, expect.loadgen, expect.service);
            if (link) {
              return `trace ${hit.traceId} (root ${
                hit.rootServiceName || "?"
              }): ${expect.loadgen} CLIENT "${link.client.name}" is the parent of ${expect.service} SERVER "${link.server.name}"`;
            }
            last = `trace ${hit.traceId} has services ${
              serviceNames(spans).join(", ")
            } but no ${expect.loadgen} CLIENT span parenting a ${expect.service} SERVER span`;
          } catch (error) {
            last = `trace ${hit.traceId}: ${errorText(error)}`;
          }
        }
        throw new ApiError(last);
      });
    },
  );

  // --- Prometheus -----------------------------------------------------------
  const job = prometheusJob(expect.service, expect.namespace);
  const routeLabel = prometheusLabel("route");
  const counter = prometheusSeries(APP_REQUESTS)[0];
  await check(`Prometheus: ${counter}{job="${job}"}`, async () => {
    const wanted = EXERCISE_ROUTES.map((r) =>
      new URL(r.path, "http://x").pathname
    );
    const samples = await retry(async () => {
      const found = await promQuery(promSelector(counter, { job }));
      const routes = labelValues(found, routeLabel);
      const missing = missingFrom(wanted, routes);
      if (missing.length > 0) {
        throw new ApiError(
          `${found.length} series, ${routeLabel} ${
            JSON.stringify(routes)
          }; missing ${JSON.stringify(missing)}`,
        );
      }
      return found;
    });
    return `${samples.length} series, ${routeLabel}: ${
      labelValues(samples, routeLabel).join(", ")
    }`;
  });

  const buckets = [HTTP_SERVER_DURATION, APP_REQUEST_DURATION].map((spec) =>
    prometheusSeries(spec)[0]
  );
  for (const bucket of buckets) {
    await check(`Prometheus: ${bucket}{job="${job}"}`, async () => {
      const samples = await retry(async () => {
        const found = await promQuery(promSelector(bucket, { job }));
        if (found.length === 0) {
          throw new ApiError(`no series ${promSelector(bucket, { job })} yet`);
        }
        return found;
      });
      return `${samples.length} bucket series, ${
        labelValues(samples, "le").length
      } distinct le`;
    });
  }

  // --- Loki -----------------------------------------------------------------
  const logQuery = `{service_name=${logqlString(expect.service)}}`;
  await check(`Loki: logs of ${logQuery}`, async () => {
    const entries = await retry(async () => {
      const found = await lokiQuery(logQuery);
      if (found.length === 0) throw new ApiError(`no entries yet`);
      return found;
    });
    const withTrace = traceIdsFromLogs(entries, Infinity).length;
    return `${entries.length} entries (newest: ${
      excerpt(entries[0].line, 80)
    }); ${withTrace} distinct trace ids`;
  });

  // --- Grafana --------------------------------------------------------------
  await check("Grafana: /api/health", async () => {
    const health = await retry(async () => {
      const h = parseGrafanaHealth(
        await get(`${endpoints.grafana}/api/health`),
      );
      if (h.database !== "ok") {
        throw new ApiError(`database is "${h.database}"`);
      }
      return h;
    });
    return `database ok, version ${health.version || "(hidden)"}`;
  });
  for (const uid of expect.datasources) {
    await check(`Grafana: datasource ${uid} health`, async () => {
      const health = await retry(async () => {
        const h = parseDatasourceHealth(
          await get(
            `${endpoints.grafana}/api/datasources/uid/${
              encodeURIComponent(uid)
            }/health`,
            grafanaHeaders,
          ),
        );
        if (h.status !== "OK") {
          throw new ApiError(`status ${h.status}: ${h.message}`);
        }
        return h;
      });
      return `OK: ${health.message}`;
    });
  }
  await check("Grafana: provisioned dashboards", async () => {
    const wanted = expect.dashboards.map((d) => d.uid);
    const hits = await retry(async () => {
      const found = parseDashboardSearch(
        await get(
          `${endpoints.grafana}/api/search?type=dash-db&limit=5000`,
          grafanaHeaders,
        ),
      );
      const missing = missingFrom(wanted, found.map((d) => d.uid));
      if (missing.length > 0) {
        throw new ApiError(`missing dashboard uids ${JSON.stringify(missing)}`);
      }
      return found;
    });
    const titles = hits.filter((h) => wanted.includes(h.uid)).map((h) =>
      h.title
    );
    return `${wanted.length} of ${wanted.length}: ${titles.join(", ")}`;
  });
  await check("Grafana: provisioned alert rules", async () => {
    const wanted = expect.alertRules.map((r) => r.uid);
    const rules = await retry(async () => {
      const found = parseAlertRules(
        await get(
          `${endpoints.grafana}/api/v1/provisioning/alert-rules`,
          grafanaHeaders,
        ),
      );
      const missing = missingFrom(wanted, found.map((r) => r.uid));
      if (missing.length > 0) {
        throw new ApiError(
          `missing alert rule uids ${JSON.stringify(missing)}`,
        );
      }
      return found;
    });
    const titles = rules.filter((r) => wanted.includes(r.uid)).map((r) =>
      r.title
    );
    return `${wanted.length} of ${wanted.length}: ${titles.join(", ")}`;
  });

  // --- Correlation ----------------------------------------------------------
  await check(
    "Correlation: a trace id from Loki is found in Tempo",
    async () => {
      return await retry(async () => {
        const entries = await lokiQuery(`${logQuery} | trace_id != ""`);
        const ids = traceIdsFromLogs(entries, TRACE_PROBES_PER_ATTEMPT);
        if (ids.length === 0) {
          throw new ApiError(
            `no ${expect.service} log entry with a trace_id yet`,
          );
        }
        let last = "";
        for (const id of ids) {
          try {
            const spans = await tempoTrace(id);
            if (spans.some((s) => s.serviceName === expect.service)) {
              return `trace ${id} from a Loki record: ${spans.length} spans in Tempo (${
                serviceNames(spans).join(", ")
              })`;
            }
            last = `trace ${id} has no ${expect.service} span`;
          } catch (error) {
            last = `trace ${id}: ${errorText(error)}`;
          }
        }
        throw new ApiError(`none of ${ids.length} trace ids found; ${last}`);
      });
    },
  );
  const edge = { client: expect.loadgen, server: expect.service };
  await check(
    `Correlation: ${promSelector(SERVICE_GRAPH_SERIES, edge)} in Prometheus`,
    async () => {
      const samples = await retry(async () => {
        const found = await promQuery(promSelector(SERVICE_GRAPH_SERIES, edge));
        if (found.length === 0) {
          throw new ApiError(
            `no series yet (Tempo's metrics generator remote-writes it)`,
          );
        }
        return found;
      });
      const total = samples.reduce((sum, s) => sum + s.value, 0);
      return `${samples.length} series, ${total} requests counted`;
    },
  );
  return results;
}
