/**
 * The one check suite every mode runs (Compose, Kubernetes, native): drive
 * space-app, then read back through each backend's API what the stack made
 * of it, and run every query the generated Grafana provisioning runs.
 * Backend queries retry until a shared deadline, since data arrives late
 * (export intervals, batching, flushes, tail-sampling decisions).
 *
 * @module
 */
import type { Expression } from "../gen/grafana/expressions.ts";
import { seriesInPromQL } from "../gen/grafana/promql.ts";
import {
  ApiError,
  findCallLink,
  labelValues,
  missingFrom,
  parseAlertRules,
  parseDashboardSearch,
  parseDatasourceHealth,
  parseGrafanaHealth,
  serviceNames,
} from "./checks.ts";
import { exerciseApp, formatExercise } from "./exercise.ts";
import { basicAuth, errorText, type FetchLike } from "./http.ts";
import { type Clock, realClock, retryUntil } from "./poll.ts";
import type { Report } from "./report.ts";
import type {
  Get,
  LogSource,
  PrometheusSource,
  TraceSource,
} from "./sources.ts";

/** Grafana's address and admin credentials, where it runs. */
export interface GrafanaTarget {
  readonly base: string;
  readonly user: string;
  readonly password: string;
}

/** Where the suite reads each signal. */
export interface SuiteTargets {
  readonly app: string;
  readonly prometheus: PrometheusSource;
  readonly traces: TraceSource;
  readonly logs: LogSource;
  readonly grafana: GrafanaTarget | { readonly skip: string };
}

/** A provisioned Grafana object, by uid. */
export interface Provisioned {
  readonly uid: string;
  readonly title: string;
}

/** What the stack must hold, computed from the typed config (`expect.ts`). */
export interface Expectations {
  /** `service.name`s of the service and the load generator. */
  readonly service: string;
  readonly loadgen: string;
  /** Prometheus `job` of each. */
  readonly serviceJob: string;
  readonly loadgenJob: string;
  /** Series names, as Prometheus has them. */
  readonly series: {
    readonly requests: string;
    readonly histograms: readonly string[];
    readonly loadgenRequests: string;
    readonly exemplars: string;
    /** The collector's own metrics, scraped under `collectorJob`. */
    readonly collector: readonly string[];
    readonly collectorJob: string;
    readonly serviceGraph: string;
  };
  /** A `/work` duration that makes slow traces for the slow-trace panels. */
  readonly slowWorkMs: number;
  /** Every query of the Grafana provisioning. */
  readonly expressions: readonly Expression[];
  /** Fixed substitutions (`$__rate_interval`, `$__tags`). */
  readonly variables: Readonly<Record<string, string>>;
  /** Why a series cannot exist in this run, or undefined. */
  readonly absent: (series: string) => string | undefined;
  readonly datasources: readonly string[];
  readonly dashboards: readonly Provisioned[];
  readonly alertRules: readonly Provisioned[];
}

/** Effects and tunables of a run. */
export interface SuiteOptions {
  readonly report: Report;
  readonly fetch?: FetchLike;
  readonly get: Get;
  readonly clock?: Clock;
  /** How long backend checks keep retrying, from the end of the exercise. */
  readonly ingestTimeoutMs: number;
  /** A check started after the deadline still gets this long. */
  readonly minRetryMs?: number;
  readonly intervalMs?: number;
  /** Rounds of `/`, `/work`, `/error` (default 30). */
  readonly rounds?: number;
}

/** Trace ids probed per attempt, at most. */
const PROBES = 30;

/**
 * At most `n` items spread evenly over `list`: the newest log records'
 * traces may still wait for a tail-sampling decision, older ones not.
 */
export function spread<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  return Array.from(
    { length: n },
    (_, i) => list[Math.floor((i * list.length) / n)],
  );
}

/** Runs the suite, adding one result per check to `options.report`. */
export async function runSuite(
  t: SuiteTargets,
  e: Expectations,
  options: SuiteOptions,
): Promise<void> {
  const { report } = options;
  const clock = options.clock ?? realClock;
  let deadline = 0;
  const retry = async <T>(attempt: () => Promise<T>): Promise<T> =>
    (await retryUntil(attempt, {
      deadline: Math.max(
        deadline,
        clock.now() + (options.minRetryMs ?? 15_000),
      ),
      clock,
      intervalMs: options.intervalMs ?? 3_000,
    })).value;
  const nonEmpty = <T>(what: string, list: T[]): T[] => {
    if (list.length === 0) throw new ApiError(`no ${what} yet`);
    return list;
  };

  await report.check("space-app answers /, /work, /error", async () => {
    const fetch = options.fetch ?? globalThis.fetch;
    const result = await exerciseApp(fetch, t.app, options.rounds ?? 30, [
      { path: "/", status: 200 },
      { path: "/work?ms=50", status: 200 },
      { path: "/error", status: 500 },
    ]);
    const slow = await exerciseApp(fetch, t.app, 3, [
      { path: `/work?ms=${e.slowWorkMs}`, status: 200 },
    ]);
    const unexpected = [...result.unexpected, ...slow.unexpected];
    if (unexpected.length > 0) {
      throw new ApiError(`unexpected answers: ${unexpected.join("; ")}`);
    }
    return `${result.requests + slow.requests} requests: ${
      formatExercise(result)
    }, ${formatExercise(slow)}`;
  });
  deadline = clock.now() + options.ingestTimeoutMs;

  const prom = t.prometheus;
  const series = async (selector: string) =>
    nonEmpty(selector, await prom.query(selector));
  await report.check(
    `Prometheus: ${e.series.requests}{job="${e.serviceJob}"} by route`,
    async () => {
      const found = await retry(async () => {
        const samples = await series(
          `${e.series.requests}{job="${e.serviceJob}"}`,
        );
        const missing = missingFrom(
          ["/", "/work", "/error"],
          labelValues(samples, "route"),
        );
        if (missing.length > 0) {
          throw new ApiError(`routes missing: ${missing.join(", ")}`);
        }
        return samples;
      });
      return `${found.length} series, routes ${
        labelValues(found, "route").join(", ")
      }`;
    },
  );
  for (
    const [name, job] of [
      ...e.series.histograms.map((h) => [h, e.serviceJob]),
      [e.series.loadgenRequests, e.loadgenJob],
    ]
  ) {
    await report.check(`Prometheus: ${name}{job="${job}"}`, async () => {
      const found = await retry(() => series(`${name}{job="${job}"}`));
      return `${found.length} series`;
    });
  }
  await report.check(
    `Prometheus: the collector's own metrics (job="${e.series.collectorJob}")`,
    async () => {
      await retry(async () => {
        const missing: string[] = [];
        for (const name of e.series.collector) {
          const found = await prom.query(
            `${name}{job="${e.series.collectorJob}"}`,
          );
          if (found.length === 0) missing.push(name);
        }
        if (missing.length > 0) throw new ApiError(`missing ${missing}`);
      });
      return e.series.collector.join(", ");
    },
  );
  const exemplarsAbsent = e.absent(e.series.exemplars);
  if (exemplarsAbsent) {
    report.skip(
      `Prometheus: exemplars of ${e.series.exemplars}`,
      exemplarsAbsent,
    );
  } else {
    await report.check(
      `Prometheus: exemplars of ${e.series.exemplars}`,
      async () => {
        const found = await retry(async () =>
          nonEmpty(
            "exemplar with a trace id",
            (await prom.exemplars(e.series.exemplars)).filter((l) =>
              l.trace_id || l.traceID
            ),
          )
        );
        const first = found[0];
        return `${found.length} exemplars, e.g. ${
          first.trace_id
            ? `trace_id ${first.trace_id}`
            : `traceID ${first.traceID}`
        }`;
      },
    );
  }

  const traces = t.traces;
  await report.check(`traces of ${e.service} in ${traces.label}`, async () => {
    const ids = await retry(async () =>
      nonEmpty("trace", await traces.traceIds(e.service))
    );
    return `${ids.length} traces`;
  });
  await report.check(
    `traces: a ${e.loadgen} CLIENT span is the parent of a ${e.service} SERVER span`,
    () =>
      retry(async () => {
        const ids = nonEmpty(
          `trace with both services`,
          await traces.traceIds(e.service, e.loadgen),
        );
        for (const id of ids.slice(0, PROBES)) {
          const spans = await traces.trace(id);
          const link = findCallLink(spans, e.loadgen, e.service);
          if (link) {
            return `trace ${id}: "${link.client.name}" -> "${link.server.name}"`;
          }
        }
        throw new ApiError(`none of ${ids.length} traces links the two`);
      }),
  );
  await report.check(`logs of ${e.service} in ${t.logs.label}`, async () => {
    const logs = await retry(async () =>
      nonEmpty("log record", await t.logs.logs(e.service))
    );
    const withTrace = logs.filter((l) => l.traceId).length;
    if (withTrace === 0) throw new ApiError("no record carries a trace id");
    return `${logs.length} records, ${withTrace} with a trace id`;
  });
  await report.check(
    `correlation: a trace id from ${t.logs.label} is found in ${traces.label}`,
    () =>
      retry(async () => {
        const ids = spread([
          ...new Set(
            (await t.logs.logs(e.service)).flatMap((l) =>
              l.traceId ? [l.traceId] : []
            ),
          ),
        ], PROBES);
        let last = "no log record with a trace id";
        for (const id of ids) {
          try {
            const spans = await traces.trace(id);
            if (spans.some((s) => s.serviceName === e.service)) {
              return `trace ${id}: ${spans.length} spans (${
                serviceNames(spans).join(", ")
              })`;
            }
            last = `trace ${id} has no ${e.service} span`;
          } catch (error) {
            last = `trace ${id}: ${errorText(error)}`;
          }
        }
        throw new ApiError(last);
      }),
  );
  const graph =
    `${e.series.serviceGraph}{client="${e.loadgen}", server="${e.service}"}`;
  const graphAbsent = e.absent(e.series.serviceGraph);
  if (graphAbsent) report.skip(`Prometheus: ${graph}`, graphAbsent);
  else {
    await report.check(`Prometheus: ${graph}`, async () => {
      const found = await retry(() => series(graph));
      return `${found.length} series`;
    });
  }

  await queries(t, e, report, retry);
  await grafana(t.grafana, e, report, options.get, retry);
}

/** Escapes a label value for a PromQL regular expression. */
function regexEscape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Runs every provisioned query, variables substituted with real values. */
async function queries(
  t: SuiteTargets,
  e: Expectations,
  report: Report,
  retry: <T>(attempt: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const values: Record<string, string> = { ...e.variables };
  for (const x of e.expressions) {
    if (!x.variable) continue;
    const found = await t.prometheus.labelValues(x.variable.label, x.expr)
      .catch(() => []);
    values[`$${x.variable.name}`] = found.length > 0
      ? `(${found.map(regexEscape).join("|")})`
      : ".+";
  }
  // Longest first: `$__rate_interval` before a `$__rate` that might exist.
  const names = Object.keys(values).sort((a, b) => b.length - a.length);
  const substitute = (expr: string) =>
    names.reduce((s, name) => s.replaceAll(name, values[name]), expr);

  for (const x of e.expressions) {
    const name = `${x.language}: ${x.where}`;
    const expr = substitute(x.expr);
    if (x.language === "promql") {
      const absent = seriesInPromQL(expr).names.map(e.absent).find((r) => r);
      if (absent) {
        report.skip(name, absent);
        continue;
      }
      await report.check(name, async () => {
        if (x.alert) {
          // An alert's query may rightly be empty; it must evaluate.
          const found = await retry(() => t.prometheus.query(expr));
          return `evaluates: ${found.length} series`;
        }
        const found = await retry(async () =>
          nonEmptyList(expr, await t.prometheus.query(expr))
        );
        return `${found.length} series`;
      });
    } else if (x.language === "logql") {
      const run = t.logs.logql;
      if (!run) {
        report.skip(name, `${t.logs.label} does not run LogQL`);
        continue;
      }
      await report.check(name, async () => {
        const lines = await retry(async () => {
          const n = await run(expr);
          if (n === 0) throw new ApiError(`no result for ${expr} yet`);
          return n;
        });
        return `${lines} values`;
      });
    } else {
      const run = t.traces.traceql;
      if (!run) {
        report.skip(name, `${t.traces.label} does not run TraceQL`);
        continue;
      }
      await report.check(name, async () => {
        const found = await retry(async () =>
          nonEmptyList(expr, await run(expr))
        );
        return `${found.length} traces`;
      });
    }
  }
}

function nonEmptyList<T>(expr: string, list: T[]): T[] {
  if (list.length === 0) throw new ApiError(`no result for ${expr} yet`);
  return list;
}

/** Grafana's health, its datasources' health, the provisioned objects. */
async function grafana(
  g: SuiteTargets["grafana"],
  e: Expectations,
  report: Report,
  get: Get,
  retry: <T>(attempt: () => Promise<T>) => Promise<T>,
): Promise<void> {
  if ("skip" in g) {
    report.skip("Grafana", g.skip);
    return;
  }
  const auth = { Authorization: basicAuth(g.user, g.password) };
  await report.check("Grafana: /api/health", async () => {
    const h = await retry(async () =>
      parseGrafanaHealth(await get(`${g.base}/api/health`))
    );
    if (h.database !== "ok") throw new ApiError(`database ${h.database}`);
    return `database ok, version ${h.version || "(hidden)"}`;
  });
  for (const uid of e.datasources) {
    await report.check(`Grafana: datasource ${uid} health`, async () => {
      const h = await retry(async () => {
        const found = parseDatasourceHealth(
          await get(`${g.base}/api/datasources/uid/${uid}/health`, auth),
        );
        if (found.status !== "OK") {
          throw new ApiError(`${found.status}: ${found.message}`);
        }
        return found;
      });
      return h.message;
    });
  }
  for (
    const [what, wanted, path, parse] of [
      [
        "dashboards",
        e.dashboards,
        "/api/search?type=dash-db&limit=5000",
        parseDashboardSearch,
      ],
      [
        "alert rules",
        e.alertRules,
        "/api/v1/provisioning/alert-rules",
        parseAlertRules,
      ],
    ] as const
  ) {
    await report.check(`Grafana: provisioned ${what}`, async () => {
      await retry(async () => {
        const found = parse(await get(`${g.base}${path}`, auth));
        const missing = missingFrom(
          wanted.map((w) => w.uid),
          found.map((f) => f.uid),
        );
        if (missing.length > 0) throw new ApiError(`missing ${missing}`);
      });
      return wanted.map((w) => w.title).join(", ");
    });
  }
}
