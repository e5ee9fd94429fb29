/**
 * The stack test's response parsers against recorded bodies of the pinned
 * versions' APIs (tests/fixtures/stack/, see its README for provenance).
 */
import assert from "node:assert/strict";
import {
  ApiError,
  findCallLink,
  type HttpAnswer,
  labelValues,
  missingFrom,
  normalizeSpanId,
  normalizeTraceId,
  parseDatasourceHealth,
  parseGrafanaHealth,
  parseGrafanaUids,
  parseLokiStreams,
  parsePromVector,
  parseTempoSearch,
  parseTempoTrace,
  promValue,
  serviceNames,
} from "../stack/checks.ts";
import {
  APP_REQUESTS,
  HTTP_SERVER_DURATION,
  prometheusJob,
  prometheusLabel,
  prometheusSeries,
} from "../telemetry/instruments.ts";

const FIXTURES = new URL("./fixtures/stack/", import.meta.url);

/** A fixture body as an HTTP answer with `status`. */
function fixture(path: string, status = 200): HttpAnswer {
  return { status, body: Deno.readTextFileSync(new URL(path, FIXTURES)) };
}

// Ids shared by the fixtures (hex, and base64 as Tempo writes them).
const LOADGEN_TRACE = "44f86265594285275520fda39b86e9a7";
const ERROR_TRACE = "29ee3d484fd57aa4a0eebcbc5d8538b6";
const HELLO_TRACE = "07529faeebba86e51608b12ac9e09a60";

Deno.test("ids: hex and base64 trace and span ids become lowercase hex", () => {
  assert.equal(normalizeTraceId("RPhiZVlChSdVIP2jm4bppw=="), LOADGEN_TRACE);
  assert.equal(normalizeTraceId(LOADGEN_TRACE.toUpperCase()), LOADGEN_TRACE);
  assert.equal(normalizeSpanId("ouDBvRhzMX4="), "a2e0c1bd1873317e");
  assert.equal(normalizeSpanId("A2E0C1BD1873317E"), "a2e0c1bd1873317e");
  assert.equal(normalizeSpanId(""), "");
  assert.equal(normalizeSpanId("AAAAAAAAAAA="), "", "all-zero span id: none");
  assert.equal(normalizeTraceId("0".repeat(32)), undefined);
  assert.equal(normalizeTraceId("not-an-id"), undefined);
  assert.equal(normalizeTraceId("abc"), undefined);
  // 12 base64 chars decode to 8 bytes: a span id, not a trace id.
  assert.equal(normalizeTraceId("ouDBvRhzMX4="), undefined);
});

Deno.test("Prometheus: the counter under its translated name and job", () => {
  const samples = parsePromVector(fixture("prometheus/query_counter.json"));
  const job = prometheusJob("space-app", "demo");
  assert.equal(samples.length, 3);
  for (const s of samples) {
    assert.equal(s.metric.__name__, prometheusSeries(APP_REQUESTS)[0]);
    assert.equal(s.metric.job, job);
  }
  assert.deepEqual(labelValues(samples, prometheusLabel("route")), [
    "/",
    "/error",
    "/work",
  ]);
  assert.equal(samples[1].value, 412);
  assert.equal(samples[0].time, 1795996815.482);
});

Deno.test("Prometheus: histogram buckets, +Inf included", () => {
  const samples = parsePromVector(fixture("prometheus/query_histogram.json"));
  assert.ok(
    samples.every((s) =>
      s.metric.__name__ === prometheusSeries(HTTP_SERVER_DURATION)[0]
    ),
  );
  assert.deepEqual(labelValues(samples, "le"), ["+Inf", "0.05", "0.075"]);
  assert.equal(samples[2].value, 412);
  assert.equal(promValue("+Inf"), Infinity);
  assert.equal(promValue("-Inf"), -Infinity);
  assert.ok(Number.isNaN(promValue("NaN")));
});

Deno.test("Prometheus: service graph series and an empty vector", () => {
  const graph = parsePromVector(fixture("prometheus/query_service_graph.json"));
  assert.equal(graph[0].metric.client, "loadgen");
  assert.equal(graph[0].metric.server, "space-app");
  assert.deepEqual(parsePromVector(fixture("prometheus/query_empty.json")), []);
});

Deno.test("Prometheus: status error is an ApiError with type and message", () => {
  assert.throws(
    () => parsePromVector(fixture("prometheus/query_error_bad_data.json", 400)),
    (e: unknown) =>
      e instanceof ApiError &&
      /400: bad_data: invalid parameter/.test(e.message),
  );
  assert.throws(
    () =>
      parsePromVector(fixture("prometheus/query_error_unavailable.json", 503)),
    /503: unavailable: TSDB not ready/,
  );
  assert.throws(
    () => parsePromVector(fixture("prometheus/query_matrix.json")),
    /result type is "matrix", expected "vector"/,
  );
  assert.throws(
    () => parsePromVector({ status: 502, body: "<html>Bad Gateway</html>" }),
    /502: <html>Bad Gateway/,
  );
});

Deno.test("Tempo search: trace ids", () => {
  assert.deepEqual(parseTempoSearch(fixture("tempo/search.json")), [
    LOADGEN_TRACE,
    ERROR_TRACE,
    HELLO_TRACE, // Tempo trimmed its leading zero; restored
  ]);
  assert.deepEqual(parseTempoSearch(fixture("tempo/search_empty.json")), []);
});

Deno.test("Tempo search: error statuses and foreign bodies", () => {
  assert.throws(
    () => parseTempoSearch(fixture("tempo/search_error.txt", 400)),
    /Tempo \/api\/search: 400: invalid TraceQL query/,
  );
  assert.throws(
    () => parseTempoSearch({ status: 200, body: '{"status":"success"}' }),
    /no "traces"/,
  );
});

Deno.test("Tempo trace by id v2, base64 ids: services and the loadgen -> space-app link", () => {
  const spans = parseTempoTrace(fixture("tempo/trace_v2_base64.json"));
  assert.equal(spans.length, 3);
  assert.ok(spans.every((s) => s.traceId === LOADGEN_TRACE));
  assert.deepEqual(serviceNames(spans), ["loadgen", "space-app"]);
  const link = findCallLink(spans, "loadgen", "space-app");
  assert.ok(link);
  assert.equal(link.client.spanId, "a2e0c1bd1873317e");
  assert.equal(link.client.kind, "CLIENT");
  assert.equal(link.client.parentSpanId, "");
  assert.equal(link.server.name, "GET /work");
  assert.equal(link.server.parentSpanId, link.client.spanId);
  assert.equal(findCallLink(spans, "space-app", "loadgen"), undefined);
});

Deno.test("Tempo trace by id v2, hex ids and numeric enums", () => {
  const spans = parseTempoTrace(fixture("tempo/trace_v2_hex.json"));
  assert.deepEqual(spans.map((s) => [s.spanId, s.kind]), [
    ["9a6e78d2ac976485", "SERVER"],
    ["595a44ee2b4509ee", "INTERNAL"],
  ]);
  assert.equal(spans[0].traceId, ERROR_TRACE);
  assert.equal(spans[0].parentSpanId, "");
  assert.equal(findCallLink(spans, "loadgen", "space-app"), undefined);
});

Deno.test("Tempo trace by id v1 (batches) equals v2 with hex ids", () => {
  const v1 = parseTempoTrace(fixture("tempo/trace_v1_batches.json"));
  const v2 = parseTempoTrace(fixture("tempo/trace_v2_hex.json"));
  assert.deepEqual(
    v1.map(({ traceId, spanId, parentSpanId, kind, serviceName }) => ({
      traceId,
      spanId,
      parentSpanId,
      kind,
      serviceName,
    })),
    v2.map(({ traceId, spanId, parentSpanId, kind, serviceName }) => ({
      traceId,
      spanId,
      parentSpanId,
      kind,
      serviceName,
    })),
  );
});

Deno.test("Tempo trace by id: 404, empty trace, unknown shape", () => {
  assert.throws(
    () => parseTempoTrace(fixture("tempo/trace_not_found.txt", 404)),
    /404 trace not found/,
  );
  assert.deepEqual(parseTempoTrace(fixture("tempo/trace_v2_empty.json")), []);
  assert.throws(
    () => parseTempoTrace({ status: 200, body: '{"data":[]}' }),
    /no trace.resourceSpans or batches/,
  );
  assert.throws(
    () => parseTempoTrace({ status: 500, body: "internal error" }),
    /500: internal error/,
  );
});

Deno.test("Loki categorized: trace ids from structured metadata", () => {
  const records = parseLokiStreams(
    fixture("loki/query_range_categorized.json"),
  );
  assert.deepEqual(records[0], { traceId: ERROR_TRACE, text: "boom" });
  assert.deepEqual(records.map((r) => r.traceId), [
    ERROR_TRACE,
    HELLO_TRACE,
    LOADGEN_TRACE,
    undefined,
  ]);
  assert.deepEqual(
    parseLokiStreams(fixture("loki/query_range_empty.json")),
    [],
  );
});

Deno.test("Loki plain: metadata folded into stream labels still yields trace ids", () => {
  const records = parseLokiStreams(fixture("loki/query_range_plain.json"));
  assert.deepEqual(records.map((r) => r.traceId), [
    ERROR_TRACE,
    HELLO_TRACE,
    undefined,
  ]);
});

Deno.test("Loki: 400 text, wrong result type", () => {
  assert.throws(
    () => parseLokiStreams(fixture("loki/error_400.txt", 400)),
    (e: unknown) =>
      e instanceof ApiError &&
      e.message ===
        "Loki /loki/api/v1/query_range: 400: parse error at line 1, col 14: syntax error: unexpected IDENTIFIER, expecting STRING",
  );
  assert.throws(
    () => parseLokiStreams(fixture("loki/query_matrix.json")),
    /result type is "matrix", expected "streams"/,
  );
  assert.throws(
    () => parseLokiStreams({ status: 200, body: '{"status":"partial"}' }),
    /unexpected answer/,
  );
});

Deno.test("Grafana: health ok and failing", () => {
  assert.deepEqual(parseGrafanaHealth(fixture("grafana/health.json")), {
    database: "ok",
    version: "13.2.0",
  });
  assert.equal(
    parseGrafanaHealth(fixture("grafana/health_failing.json", 503)).database,
    "failing",
  );
  assert.throws(
    () => parseGrafanaHealth({ status: 502, body: "Bad Gateway" }),
    /Grafana \/api\/health: 502: Bad Gateway/,
  );
});

Deno.test("Grafana: datasource health OK, ERROR (400) and API errors", () => {
  assert.deepEqual(
    parseDatasourceHealth(fixture("grafana/datasource_health_ok.json")),
    { status: "OK", message: "Successfully queried the Prometheus API." },
  );
  const failed = parseDatasourceHealth(
    fixture("grafana/datasource_health_error.json", 400),
  );
  assert.equal(failed.status, "ERROR");
  assert.match(failed.message, /no such host/);
  assert.throws(
    () => parseDatasourceHealth(fixture("grafana/not_found.json", 404)),
    /datasource health: 404: Data source not found/,
  );
  assert.throws(
    () => parseDatasourceHealth(fixture("grafana/unauthorized.json", 401)),
    /401: Invalid username or password/,
  );
});

Deno.test("Grafana: dashboards and alert rules by uid", () => {
  const dashboards = parseGrafanaUids(
    "Grafana /api/search",
    fixture("grafana/search_dashboards.json"),
  );
  assert.deepEqual(dashboards, ["space-app-red", "collector-health"]);
  assert.deepEqual(missingFrom(["space-app-red", "nope"], dashboards), [
    "nope",
  ]);
  const rules = "Grafana /api/v1/provisioning/alert-rules";
  assert.deepEqual(
    parseGrafanaUids(rules, fixture("grafana/alert_rules.json")),
    ["space-app-error-rate"],
  );
  assert.throws(
    () => parseGrafanaUids(rules, fixture("grafana/unauthorized.json", 401)),
    /alert-rules: 401: Invalid username or password/,
  );
  assert.throws(
    () => parseGrafanaUids(rules, { status: 200, body: '{"message":"x"}' }),
    /expected a list/,
  );
});
