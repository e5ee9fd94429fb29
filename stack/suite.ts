/**
 * The one check suite of every mode: drive space-app, read back through
 * each backend's API what the stack made of it, and run every query of the
 * Grafana provisioning. Queries retry until a shared deadline, since data
 * arrives late (export intervals, batching, tail-sampling decisions).
 *
 * @module
 */
import { seriesInPromQL } from "../gen/grafana/promql.ts";
import {
  ApiError,
  findCallLink,
  labelValues,
  missingFrom,
  parseDatasourceHealth,
  parseGrafanaHealth,
  parseGrafanaUids,
  serviceNames,
} from "./checks.ts";
import type { Expectations } from "./expect.ts";
import { errorText, getter, realClock, retryUntil } from "./poll.ts";
import type { Report } from "./report.ts";
import type { LogSource, PrometheusSource, TraceSource } from "./sources.ts";

type Login = Record<"base" | "user" | "password", string>;

/** Where the suite reads each signal. */
export interface SuiteTargets {
  readonly app: string;
  readonly prometheus: PrometheusSource;
  readonly traces: TraceSource;
  readonly logs: LogSource;
  readonly grafana: Login | { readonly skip: string };
}

export interface SuiteOptions {
  readonly report: Report;
  /** Seconds checks keep retrying after the exercise. */
  readonly timeoutS: number;
  /** A check started after the deadline still gets this long (default 15 s). */
  readonly minRetryMs?: number;
  readonly intervalMs?: number;
  /** Rounds of `/`, `/work`, `/error` (default 30). */
  readonly rounds?: number;
}

/** Trace ids probed per attempt, at most. */
const PROBES = 30;

const get = getter();

/**
 * At most `n` items spread evenly over `list`: the newest log records'
 * traces may still wait for a tail-sampling decision, older ones not.
 */
export function spread<T>(list: readonly T[], n: number): T[] {
  const step = list.length / n;
  if (step <= 1) return [...list];
  return Array.from({ length: n }, (_, i) => list[Math.floor(i * step)]);
}

/** `n`, or "no `what` yet" (retried until the deadline) when it is 0. */
function some(what: string, n: number): number {
  if (n === 0) throw new ApiError(`no ${what} yet`);
  return n;
}

/**
 * Calls `[path, status]` routes, a round's in parallel, one round after the
 * other; `N requests: / 30×200, ...`, or throws on another status.
 */
async function exercise(base: string, rounds: [string, number][][]) {
  const call = async ([path, status]: [string, number]) => {
    const got = await get(new URL(path, base).href).then(
      (answer) => String(answer.status),
      (error) => `error (${errorText(error)})`,
    );
    return [path, got, String(status)];
  };
  const seen: string[][] = [];
  for (const routes of rounds) {
    seen.push(...await Promise.all(routes.map(call)));
  }
  const wrong = seen.filter(([, got, want]) => got !== want).slice(0, 5)
    .map(([path, got, want]) => `${path}: ${got}, expected ${want}`);
  if (wrong.length > 0) {
    throw new ApiError(`unexpected answers: ${wrong.join("; ")}`);
  }
  // Every answer was the expected one: one status per path.
  const text = [...Map.groupBy(seen, ([path]) => path)]
    .map(([path, all]) => `${path} ${all.length}×${all[0][1]}`);
  return `${seen.length} requests: ${text.join(", ")}`;
}

/** Runs the suite, adding one result per check to `o.report`. */
export async function runSuite(
  t: SuiteTargets,
  e: Expectations,
  o: SuiteOptions,
): Promise<void> {
  const { report } = o;
  const calls = [["/", 200], ["/work?ms=50", 200], ["/error", 500]];
  const slow = [[`/work?ms=${e.slowWorkMs}`, 200]];
  const rounds = [...Array(o.rounds ?? 30).fill(calls), ...Array(3).fill(slow)];
  await report.check(
    "space-app answers /, /work, /error",
    () => exercise(t.app, rounds),
  );
  const end = realClock.now() + o.timeoutS * 1000;
  const { minRetryMs = 15_000, intervalMs = 3_000 } = o;
  /** A check retrying `body` until it yields the detail; a skip where `skip` says why it cannot pass. */
  const check = (name: string, body: () => Promise<string>, skip?: string) =>
    report.check(name, async () => {
      const deadline = Math.max(end, realClock.now() + minRetryMs);
      return (await retryUntil(body, { deadline, intervalMs })).value;
    }, skip);

  const { prometheus: prom, traces, logs } = t;
  /** Series `selector` must find, with every one of `routes` if given. */
  const series = (selector: string, routes?: string[]) =>
    check(`Prometheus: ${selector}${routes ? " by route" : ""}`, async () => {
      const found = await prom.query(selector);
      const values = labelValues(found, "route");
      const missing = missingFrom(routes ?? [], values);
      if (some(selector, found.length) && missing.length > 0) {
        throw new ApiError(`routes missing: ${missing.join(", ")}`);
      }
      const byRoute = routes ? `, routes ${values.join(", ")}` : "";
      return `${found.length} series${byRoute}`;
    }, e.absent(selector));
  const [requests, ...others] = e.series;
  await series(requests, ["/", "/work", "/error"]);
  for (const selector of others) await series(selector);
  const own = `job="${e.collectorJob}"`;
  await check(`Prometheus: the collector's own metrics (${own})`, async () => {
    const found = await Promise.all(
      e.collector.map((name) => prom.query(`${name}{${own}}`)),
    );
    const missing = e.collector.filter((_, i) => found[i].length === 0);
    if (missing.length > 0) throw new ApiError(`missing ${missing}`);
    return e.collector.join(", ");
  });
  const { exemplars } = e;
  await check(`Prometheus: exemplars of ${exemplars}`, async () => {
    const found = (await prom.exemplars(exemplars))
      .filter((l) => l.trace_id || l.traceID);
    some("exemplar with a trace id", found.length);
    const { trace_id, traceID } = found[0];
    const id = trace_id ? `trace_id ${trace_id}` : `traceID ${traceID}`;
    return `${found.length} exemplars, e.g. ${id}`;
  }, e.absent(exemplars));

  await check(
    `traces of ${e.service} in ${traces.label}`,
    async () =>
      `${some("trace", (await traces.traceIds(e.service)).length)} traces`,
  );
  await check(
    `traces: a ${e.loadgen} CLIENT span is the parent of a ${e.service} SERVER span`,
    async () => {
      const ids = await traces.traceIds(e.service, e.loadgen);
      some("trace with both services", ids.length);
      for (const id of ids.slice(0, PROBES)) {
        const link = findCallLink(await traces.trace(id), e.loadgen, e.service);
        if (link) {
          return `trace ${id}: "${link.client.name}" -> "${link.server.name}"`;
        }
      }
      throw new ApiError(`none of ${ids.length} traces links the two`);
    },
  );
  await check(`logs of ${e.service} in ${logs.label}`, async () => {
    const records = await logs.logs(e.service);
    some("log record", records.length);
    const traced = records.filter((l) => l.traceId).length;
    some("record with a trace id", traced);
    return `${records.length} records, ${traced} with a trace id`;
  });
  await check(
    `correlation: a trace id from ${logs.label} is found in ${traces.label}`,
    async () => {
      const ids = new Set(
        (await logs.logs(e.service)).flatMap((l) => l.traceId ?? []),
      );
      let last = "no log record with a trace id";
      for (const id of spread([...ids], PROBES)) {
        try {
          const spans = await traces.trace(id);
          const services = serviceNames(spans);
          const found = `${spans.length} spans (${services.join(", ")})`;
          if (services.includes(e.service)) return `trace ${id}: ${found}`;
          last = `trace ${id} has no ${e.service} span`;
        } catch (error) {
          last = `trace ${id}: ${errorText(error)}`;
        }
      }
      throw new ApiError(last);
    },
  );
  await series(e.serviceGraph);

  // Every provisioned query, dashboard variables replaced by real values.
  const values: Record<string, string> = { ...e.variables };
  for (const { variable, expr } of e.expressions) {
    if (!variable) continue;
    const found = await prom.labelValues(variable.label, expr).catch(() => []);
    const escaped = found.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    values[`$${variable.name}`] = found.length
      ? `(${escaped.join("|")})`
      : ".+";
  }
  // Longest first: `$__rate_interval` before a `$__rate` that might exist.
  const names = Object.keys(values).sort((a, b) => b.length - a.length);
  const runners = {
    logql: [logs, "LogQL", "values"],
    traceql: [traces, "TraceQL", "traces"],
  } as const;
  for (const x of e.expressions) {
    const name = `${x.language}: ${x.where}`;
    const expr = names.reduce((s, v) => s.replaceAll(v, values[v]), x.expr);
    const what = `result for ${expr}`;
    if (x.language === "promql") {
      await check(name, async () => {
        const n = (await prom.query(expr)).length;
        // An alert's query may rightly be empty; it must evaluate.
        return x.alert ? `evaluates: ${n} series` : `${some(what, n)} series`;
      }, seriesInPromQL(expr).names.map(e.absent).find((r) => r));
    } else {
      const [{ label, query }, language, unit] = runners[x.language];
      const absent = query ? undefined : `${label} does not run ${language}`;
      await check(
        name,
        async () => `${some(what, await query!(expr))} ${unit}`,
        absent,
      );
    }
  }

  const g = t.grafana;
  if ("skip" in g) return report.skip("Grafana", g.skip);
  const login = new TextEncoder().encode(`${g.user}:${g.password}`);
  const auth = { Authorization: `Basic ${login.toBase64()}` };
  await check("Grafana: /api/health", async () => {
    const h = parseGrafanaHealth(await get(`${g.base}/api/health`));
    if (h.database !== "ok") throw new ApiError(`database ${h.database}`);
    return `database ok, version ${h.version || "(hidden)"}`;
  });
  for (const uid of e.datasources) {
    await check(`Grafana: datasource ${uid} health`, async () => {
      const url = `${g.base}/api/datasources/uid/${uid}/health`;
      const h = parseDatasourceHealth(await get(url, auth));
      if (h.status !== "OK") throw new ApiError(`${h.status}: ${h.message}`);
      return h.message;
    });
  }
  for (
    const [what, wanted, api] of [
      ["dashboards", e.dashboards, "search?type=dash-db&limit=5000"],
      ["alert rules", e.alertRules, "v1/provisioning/alert-rules"],
    ] as const
  ) {
    await check(`Grafana: provisioned ${what}`, async () => {
      const answer = await get(`${g.base}/api/${api}`, auth);
      const found = parseGrafanaUids(`Grafana /api/${api}`, answer);
      const missing = missingFrom(wanted.map((w) => w.uid), found);
      if (missing.length > 0) throw new ApiError(`missing ${missing}`);
      return wanted.map((w) => w.title).join(", ");
    });
  }
}
