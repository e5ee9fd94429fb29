/**
 * The check sequence of the stack test against a fake stack: a fetch that
 * answers every backend URL with the recorded bodies in
 * tests/fixtures/stack/, and a fake clock, so retries and deadlines run
 * without real time or containers.
 */
import assert from "node:assert/strict";
import {
  type Expectations,
  runChecks,
  SERVICE_GRAPH_SERIES,
  type StackEndpoints,
} from "../stack/run.ts";
import {
  fakeClock,
  fakeStack,
  read,
  TRACES,
} from "./fixtures/stack/fake_stack.ts";

const ERROR_TRACE = TRACES.error;
const LOADGEN_TRACE = TRACES.loadgen;

const ENDPOINTS: StackEndpoints = {
  app: "http://app.test:8000",
  prometheus: "http://prometheus.test:9090",
  tempo: "http://tempo.test:3200",
  loki: "http://loki.test:3100",
  grafana: "http://grafana.test:3000",
};

const EXPECT: Expectations = {
  service: "space-app",
  namespace: "demo",
  loadgen: "loadgen",
  grafanaUser: "admin",
  grafanaPassword: "s3cret",
  datasources: ["prometheus", "tempo", "loki"],
  dashboards: [{ uid: "space-app-red", title: "space-app: RED by route" }],
  alertRules: [{
    uid: "space-app-error-rate",
    title: "space-app error rate above 5%",
  }],
};

async function run(stack: ReturnType<typeof fakeStack>, lines: string[] = []) {
  return await runChecks(ENDPOINTS, EXPECT, {
    fetch: stack.fetch,
    clock: fakeClock(),
    wallNow: () => 1_795_996_900_000,
    print: (line) => lines.push(line),
  }, { ingestTimeoutMs: 30_000, rounds: 2, intervalMs: 3_000 });
}

Deno.test("run: every check passes against the recorded answers", async () => {
  const stack = fakeStack();
  const lines: string[] = [];
  const results = await run(stack, lines);
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(failed, []);
  assert.deepEqual(results.map((r) => r.name), [
    "space-app answers /, /work and /error",
    "Tempo: traces of space-app",
    "Tempo: traces from loadgen reach space-app",
    'Prometheus: app_requests_total{job="demo/space-app"}',
    'Prometheus: http_server_request_duration_seconds_bucket{job="demo/space-app"}',
    'Prometheus: app_request_duration_ms_milliseconds_bucket{job="demo/space-app"}',
    'Loki: logs of {service_name="space-app"}',
    "Grafana: /api/health",
    "Grafana: datasource prometheus health",
    "Grafana: datasource tempo health",
    "Grafana: datasource loki health",
    "Grafana: provisioned dashboards",
    "Grafana: provisioned alert rules",
    "Correlation: a trace id from Loki is found in Tempo",
    'Correlation: traces_service_graph_request_total{client="loadgen",server="space-app"} in Prometheus',
  ]);
  assert.equal(lines.length, results.length);
  assert.ok(lines.every((l) => l.startsWith("✔ ")), lines.join("\n"));
  const byName = new Map(results.map((r) => [r.name, r.detail]));
  assert.match(
    byName.get("space-app answers /, /work and /error")!,
    /^6 requests: \/ 2×200, \/work\?ms=50 2×200, \/error 2×500$/,
  );
  assert.match(
    byName.get("Tempo: traces from loadgen reach space-app")!,
    /trace 44f86265594285275520fda39b86e9a7 .*loadgen CLIENT "GET" is the parent of space-app SERVER "GET \/work"/,
  );
  assert.match(
    byName.get("Correlation: a trace id from Loki is found in Tempo")!,
    new RegExp(`^trace ${ERROR_TRACE} from a Loki record: 2 spans`),
  );
});

Deno.test("run: queries carry the right parameters and headers", async () => {
  const stack = fakeStack();
  await run(stack);
  const loki = stack.seen.filter((s) => s.url.origin === ENDPOINTS.loki);
  assert.ok(loki.length >= 2);
  for (const s of loki) {
    assert.equal(
      s.headers.get("x-loki-response-encoding-flags"),
      "categorize-labels",
    );
    assert.match(s.url.searchParams.get("start") ?? "", /^\d{19}$/, "ns");
  }
  assert.equal(
    loki[0].url.searchParams.get("query"),
    '{service_name="space-app"}',
  );
  const searches = stack.seen.filter((s) =>
    s.url.origin === ENDPOINTS.tempo && s.url.pathname === "/api/search"
  ).map((s) => s.url.searchParams);
  assert.equal(searches[0].get("q"), '{ resource.service.name = "space-app" }');
  assert.equal(
    searches[1].get("q"),
    '{ resource.service.name = "loadgen" } && { resource.service.name = "space-app" }',
  );
  assert.match(searches[0].get("start") ?? "", /^\d{10}$/, "seconds");
  const grafana = stack.seen.filter((s) =>
    s.url.origin === ENDPOINTS.grafana && s.url.pathname !== "/api/health"
  );
  assert.ok(grafana.every((s) => s.headers.get("authorization") !== null));
});

Deno.test("run: correlation moves on when Loki's first trace ids are not in Tempo", async () => {
  const stack = fakeStack((url) =>
    url.pathname === `/api/v2/traces/${ERROR_TRACE}` ? [404, ""] : undefined
  );
  const results = await run(stack);
  const correlation = results.find((r) => r.name.startsWith("Correlation: a"));
  assert.ok(correlation?.ok, correlation?.detail);
  assert.match(correlation.detail, new RegExp(`^trace ${LOADGEN_TRACE} `));
});

Deno.test("run: missing data fails after the deadline with the last reason", async () => {
  const stack = fakeStack((url) => {
    const query = url.searchParams.get("query") ?? "";
    if (query.startsWith(SERVICE_GRAPH_SERIES)) {
      return [200, read("prometheus/query_empty.json")];
    }
    if (url.pathname === "/api/search" && url.origin === ENDPOINTS.grafana) {
      return [200, "[]"];
    }
    if (url.pathname.startsWith("/api/v2/traces/")) return [404, ""];
    return undefined;
  });
  const lines: string[] = [];
  const results = await run(stack, lines);
  const failed = new Map(
    results.filter((r) => !r.ok).map((r) => [r.name, r.detail]),
  );
  assert.deepEqual([...failed.keys()], [
    "Tempo: traces from loadgen reach space-app",
    "Grafana: provisioned dashboards",
    "Correlation: a trace id from Loki is found in Tempo",
    'Correlation: traces_service_graph_request_total{client="loadgen",server="space-app"} in Prometheus',
  ]);
  assert.match(
    failed.get("Grafana: provisioned dashboards")!,
    /^\d+ attempts; last: missing dashboard uids \["space-app-red"\]$/,
  );
  assert.match(
    failed.get("Tempo: traces from loadgen reach space-app")!,
    /last: trace 07529faeebba86e51608b12ac9e09a60: Tempo trace by id: 404 trace not found$/,
  );
  assert.match(
    failed.get("Correlation: a trace id from Loki is found in Tempo")!,
    /none of 3 trace ids found/,
  );
  assert.match(
    failed.get(
      'Correlation: traces_service_graph_request_total{client="loadgen",server="space-app"} in Prometheus',
    )!,
    /last: no series yet/,
  );
  assert.equal(lines.filter((l) => l.startsWith("✘ ")).length, 4);
});

Deno.test("run: wrong Grafana credentials fail the authenticated checks only", async () => {
  const lines: string[] = [];
  const results = await runChecks(
    ENDPOINTS,
    { ...EXPECT, grafanaPassword: "wrong" },
    {
      fetch: fakeStack().fetch,
      clock: fakeClock(),
      wallNow: () => 1_795_996_900_000,
      print: (line) => lines.push(line),
    },
    { ingestTimeoutMs: 6_000, rounds: 1, intervalMs: 3_000, minRetryMs: 0 },
  );
  const failed = results.filter((r) => !r.ok);
  assert.equal(failed.length, 5);
  assert.ok(failed.every((r) => r.name.startsWith("Grafana: ")));
  assert.ok(
    failed.every((r) => /401: Invalid username or password/.test(r.detail)),
  );
});

Deno.test("run: space-app down is reported, the rest still runs", async () => {
  const stack = fakeStack((url) =>
    url.origin === ENDPOINTS.app ? [503, '{"status":"draining"}'] : undefined
  );
  const results = await run(stack);
  assert.equal(results[0].ok, false);
  assert.match(results[0].detail, /\/: 503, expected 200/);
  assert.equal(results.length, 15);
});

Deno.test("run: nothing provisioned to expect is a failure, not a pass", async () => {
  const results = await runChecks(
    ENDPOINTS,
    { ...EXPECT, dashboards: [], alertRules: [] },
    {
      fetch: fakeStack().fetch,
      clock: fakeClock(),
      wallNow: () => 1_795_996_900_000,
      print: () => {},
    },
    { ingestTimeoutMs: 6_000, rounds: 1 },
  );
  const failed = results.filter((r) => !r.ok).map((r) => [r.name, r.detail]);
  assert.deepEqual(failed, [
    [
      "Grafana: provisioned dashboards",
      "no dashboard found in deploy/ to look for (is Grafana provisioning generated?)",
    ],
    [
      "Grafana: provisioned alert rules",
      "no alert rule found in deploy/ to look for (is Grafana provisioning generated?)",
    ],
  ]);
});
