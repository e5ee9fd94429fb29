/**
 * Grafana provisioning: every PromQL expression names series that really
 * exist (the exporter's translation of our instruments, or series the
 * backends generate), correlations and panels point at provisioned
 * datasource uids, alert rules are complete, `$` is escaped for Grafana's
 * environment expansion.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { STACK } from "../gen/stack.config.ts";
import { generate } from "../gen/generate.ts";
import { parseDuration } from "../lib/duration.ts";
import { expressions } from "../gen/grafana/expressions.ts";
import { seriesInPromQL } from "../gen/grafana/promql.ts";
import { COLLECTOR_SIGNALS } from "../gen/grafana/queries.ts";
import {
  LOADGEN_INSTRUMENTS,
  prometheusSeries,
  SERVICE_INSTRUMENTS,
} from "../telemetry/instruments.ts";

type Obj = Record<string, unknown>;
const files = new Map(
  generate(STACK, "tests").map((f) => [f.path, f.content]),
);
const CONFIG = "k8s/base/config/grafana";

/** Grafana expands `$$` to `$` when it reads a provisioning file. */
function provisioned(path: string): Obj {
  const text = files.get(`${CONFIG}/${path}`);
  assert.ok(text, `${path} is generated`);
  assert.doesNotMatch(
    text.replace(/\$\$/g, ""),
    /\$/,
    `${path}: every $ is escaped as $$`,
  );
  return parse(text.replaceAll("$$", "$")) as Obj;
}

const datasources = provisioned("datasources/datasources.yaml");
const alerting = provisioned("alerting/alerting.yaml");
const provider = provisioned("dashboard-provider/dashboards.yaml");
const dashboards = [...files.entries()]
  .filter(([p]) => p.startsWith(`${CONFIG}/dashboards/`))
  .map(([p, text]) => ({ path: p, json: JSON.parse(text) as Obj }));

/**
 * Series that exist: our instruments after the exporter's translation;
 * Tempo's metrics generator; the collector's own metrics as its 0.159
 * Prometheus reader names them (no `_total`, no unit suffix: collector
 * v0.159.0 internal/e2e/metric_stability_test.go); Prometheus' `up`.
 */
const KNOWN = new Set<string>([
  ...[...SERVICE_INSTRUMENTS, ...LOADGEN_INSTRUMENTS].flatMap(prometheusSeries),
  "traces_spanmetrics_calls_total",
  "traces_spanmetrics_latency_bucket",
  "traces_spanmetrics_latency_sum",
  "traces_spanmetrics_latency_count",
  "traces_service_graph_request_total",
  "traces_service_graph_request_failed_total",
  ...COLLECTOR_SIGNALS.flatMap(({ word }) => [
    `otelcol_receiver_accepted_${word}`,
    `otelcol_receiver_refused_${word}`,
    `otelcol_exporter_sent_${word}`,
    `otelcol_exporter_send_failed_${word}`,
    `otelcol_exporter_enqueue_failed_${word}`,
  ]),
  "otelcol_exporter_queue_size",
  "otelcol_exporter_queue_capacity",
  "otelcol_process_memory_rss",
  "up",
]);

/** Every PromQL expression in dashboards, alerts and datasource correlations. */
function promExpressions() {
  return expressions({
    datasources,
    alerting,
    dashboards: dashboards.map((d) => ({ dashboard: d.json })),
  }).filter((e) => e.language === "promql");
}

Deno.test("the PromQL parser finds names, skips functions, labels and keywords", () => {
  assert.deepEqual(
    seriesInPromQL(
      'histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{job="x", route=~"$route"}[5m]))) / on (job) b_total or vector(0)',
    ).names,
    ["a_bucket", "b_total"],
  );
  const byPattern = seriesInPromQL(
    'max({__name__=~"x(_bytes)?", job="otelcol"})',
  );
  assert.deepEqual(byPattern.names, []);
  assert.ok(byPattern.patterns[0].test("x_bytes"));
});

Deno.test("every PromQL expression names series that exist", () => {
  const expressions = promExpressions();
  assert.ok(
    expressions.length >= 25,
    `found ${expressions.length} expressions`,
  );
  for (const { where, expr } of expressions) {
    const refs = seriesInPromQL(expr);
    assert.ok(
      refs.names.length + refs.patterns.length > 0,
      `${where}: reads no series: ${expr}`,
    );
    for (const name of refs.names) {
      assert.ok(
        KNOWN.has(name),
        `${where}: ${name} is not a series that exists`,
      );
    }
    for (const pattern of refs.patterns) {
      assert.ok(
        [...KNOWN].some((n) => pattern.test(n)),
        `${where}: ${pattern} matches no series`,
      );
    }
  }
});

Deno.test("the ms histogram is queried with its unit suffix", () => {
  const all = promExpressions().map((e) => e.expr).join("\n");
  assert.match(all, /app_request_duration_ms_milliseconds_bucket/);
  assert.doesNotMatch(all, /app_request_duration_ms_bucket/);
  assert.match(all, /job="demo\/space-app"/);
});

Deno.test("datasources: fixed uids, correlations point at provisioned uids", () => {
  const list = datasources.datasources as Obj[];
  const uids = new Set(list.map((d) => d.uid));
  assert.deepEqual([...uids].sort(), ["loki", "prometheus", "tempo"]);
  const byUid = (uid: string) =>
    list.find((d) => d.uid === uid)!.jsonData as Obj;
  const prom = byUid("prometheus");
  for (const dest of prom.exemplarTraceIdDestinations as Obj[]) {
    assert.equal(dest.datasourceUid, "tempo");
  }
  assert.deepEqual(
    (prom.exemplarTraceIdDestinations as Obj[]).map((d) => d.name).sort(),
    ["traceID", "trace_id"],
  );
  const tempo = byUid("tempo");
  const toLogs = tempo.tracesToLogsV2 as Obj;
  assert.equal(toLogs.datasourceUid, "loki");
  assert.equal(toLogs.customQuery, true);
  assert.equal(toLogs.query, '{${__tags}} | trace_id="${__trace.traceId}"');
  assert.deepEqual(toLogs.tags, [{
    key: "service.name",
    value: "service_name",
  }]);
  assert.equal((tempo.tracesToMetrics as Obj).datasourceUid, "prometheus");
  assert.equal((tempo.serviceMap as Obj).datasourceUid, "prometheus");
  assert.equal(tempo.lokiSearch, undefined, "no dead keys");
  assert.equal(datasources.deleteDatasources, undefined);
  assert.equal(
    ((tempo.tracesToMetrics as Obj).tags as Obj[])[0].value,
    "service",
    "Tempo's span metrics label the service `service`",
  );
  const derived = (byUid("loki").derivedFields as Obj[])[0];
  assert.deepEqual(
    {
      matcherType: derived.matcherType,
      matcherRegex: derived.matcherRegex,
      uid: derived.datasourceUid,
      url: derived.url,
    },
    {
      matcherType: "label",
      matcherRegex: "^trace_id$",
      uid: "tempo",
      url: "${__value.raw}",
    },
  );
  const urls = Object.fromEntries(list.map((d) => [d.uid, d.url]));
  assert.deepEqual(urls, {
    prometheus: "http://prometheus:9090",
    tempo: "http://tempo:3200",
    loki: "http://loki:3100",
  });
});

Deno.test("dashboards: unique uids, every panel on a provisioned datasource, the promised views exist", () => {
  assert.equal(dashboards.length, 3);
  const uids = dashboards.map((d) => d.json.uid);
  assert.equal(new Set(uids).size, uids.length);
  const provisionedUids = new Set(["prometheus", "tempo", "loki"]);
  const types = new Set<string>();
  for (const d of dashboards) {
    const ids = new Set<number>();
    for (const panel of d.json.panels as Obj[]) {
      assert.ok(
        !ids.has(panel.id as number),
        `${d.path}: panel id ${panel.id} is unique`,
      );
      ids.add(panel.id as number);
      types.add(String(panel.type));
      if (panel.type === "row") continue;
      const uid = (panel.datasource as Obj).uid as string;
      assert.ok(
        provisionedUids.has(uid),
        `${d.path} "${panel.title}" uses ${uid}`,
      );
      for (const t of panel.targets as Obj[]) {
        assert.ok(provisionedUids.has((t.datasource as Obj).uid as string));
      }
    }
  }
  for (const type of ["timeseries", "logs", "table", "nodeGraph", "stat"]) {
    assert.ok(types.has(type), `a ${type} panel exists`);
  }
  const targets = dashboards.flatMap((d) =>
    (d.json.panels as Obj[]).flatMap((p) =>
      (p.targets as Obj[] | undefined) ?? []
    )
  );
  assert.ok(
    targets.some((t) => t.exemplar === true),
    "latency panels ask for exemplars",
  );
  assert.ok(
    targets.some((t) => t.queryType === "serviceMap"),
    "a service graph",
  );
  assert.ok(targets.some((t) => t.queryType === "traceql"), "trace search");
  assert.ok(
    targets.some((t) => String(t.expr).includes('severity_text=~"ERROR')),
    "error logs",
  );
  const p = (provider.providers as Obj[])[0];
  assert.equal((p.options as Obj).path, "/etc/grafana/dashboards");
  assert.equal(p.type, "file");
});

Deno.test("alert rules: current groups format, complete, each condition a threshold on its query", () => {
  assert.equal(alerting.apiVersion, 1);
  const groups = alerting.groups as Obj[];
  assert.equal(groups.length, 1);
  const group = groups[0];
  for (const key of ["name", "folder", "interval"]) {
    assert.ok(group[key], `group.${key}`);
  }
  const rules = group.rules as Obj[];
  assert.deepEqual(rules.map((r) => r.uid), [
    "space-app-error-rate",
    "space-app-p95-latency",
    "space-app-no-telemetry",
    "otelcol-refusing-or-failing",
  ]);
  for (const rule of rules) {
    for (
      const key of [
        "uid",
        "title",
        "condition",
        "data",
        "for",
        "noDataState",
        "execErrState",
      ]
    ) {
      assert.ok(rule[key] !== undefined, `${rule.title}: ${key}`);
    }
    const data = rule.data as Obj[];
    const refIds = data.map((d) => d.refId);
    const condition = data.find((d) => d.refId === rule.condition)!;
    const model = condition.model as Obj;
    assert.equal(condition.datasourceUid, "__expr__");
    assert.equal(model.type, "threshold");
    assert.ok(
      refIds.includes(model.expression),
      `${rule.title}: threshold reads an existing query`,
    );
    const query = data.find((d) => d.refId === model.expression)!;
    assert.equal(query.datasourceUid, "prometheus");
    assert.equal((query.model as Obj).instant, true);
  }
  const errorRule = rules[0];
  const threshold =
    (((errorRule.data as Obj[])[1].model as Obj).conditions as Obj[])[0]
      .evaluator as Obj;
  assert.deepEqual(threshold, { type: "gt", params: [5] });
  assert.equal(
    rules[2].noDataState,
    "Alerting",
    "silence itself fires the no-telemetry rule",
  );
  for (const rule of rules) {
    // A rule with no pending period fires on one evaluation of a stack
    // that just started (counters not yet scraped twice).
    assert.ok(
      (parseDuration(String(rule.for)) ?? 0) >= 60_000,
      `${rule.title}: for ${rule.for} is at least 1m`,
    );
  }
});
