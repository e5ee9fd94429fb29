/**
 * Instrument declarations and their Prometheus names after the OTLP
 * translation (docs/upstream.md, Prometheus).
 */
import assert from "node:assert/strict";
import {
  APP_REQUEST_DURATION,
  APP_REQUEST_ERRORS,
  APP_REQUESTS,
  HTTP_SERVER_ACTIVE,
  HTTP_SERVER_DURATION,
  type InstrumentSpec,
  LOADGEN_INSTRUMENTS,
  prometheusJob,
  prometheusLabel,
  prometheusName,
  prometheusSeries,
  SERVICE_INSTRUMENTS,
} from "../telemetry/instruments.ts";

Deno.test("the reference table's series names", () => {
  assert.deepEqual(prometheusSeries(APP_REQUESTS), ["app_requests_total"]);
  assert.deepEqual(prometheusSeries(APP_REQUEST_ERRORS), [
    "app_request_errors_total",
  ]);
  assert.deepEqual(prometheusSeries(APP_REQUEST_DURATION), [
    "app_request_duration_ms_milliseconds_bucket",
    "app_request_duration_ms_milliseconds_sum",
    "app_request_duration_ms_milliseconds_count",
  ]);
  assert.deepEqual(prometheusSeries(HTTP_SERVER_DURATION), [
    "http_server_request_duration_seconds_bucket",
    "http_server_request_duration_seconds_sum",
    "http_server_request_duration_seconds_count",
  ]);
  assert.deepEqual(prometheusSeries(HTTP_SERVER_ACTIVE), [
    "http_server_active_requests",
  ]);
});

Deno.test("translation rules", async (t) => {
  const spec = (
    name: string,
    kind: InstrumentSpec["kind"],
    unit: string,
  ): InstrumentSpec => ({
    name,
    kind,
    unit,
    description: "",
    attributes: [],
  });
  const cases: [InstrumentSpec, string][] = [
    [spec("a.b-c", "updowncounter", ""), "a_b_c"],
    [spec("latency", "histogram", "ms"), "latency_milliseconds"],
    [spec("latency.seconds", "histogram", "s"), "latency_seconds"],
    [spec("data.sent", "counter", "By"), "data_sent_bytes_total"],
    [spec("bytes.sent", "counter", "By"), "bytes_sent_total"],
    [spec("requests", "counter", "{request}"), "requests_total"],
    [spec("requests_total", "counter", ""), "requests_total"],
    [
      spec("throughput", "updowncounter", "By/s"),
      "throughput_bytes_per_second",
    ],
    [
      spec("bytes.per.second", "updowncounter", "By/s"),
      "bytes_per_second_per_second",
    ],
    [spec("cpu.utilization", "updowncounter", "1"), "cpu_utilization"],
    [spec("cpu.usage", "counter", "%"), "cpu_usage_percent_total"],
  ];
  for (const [s, expected] of cases) {
    await t.step(`${s.name} (${s.kind}, ${JSON.stringify(s.unit)})`, () => {
      assert.equal(prometheusName(s), expected);
    });
  }
});

Deno.test("labels and job", () => {
  assert.equal(prometheusLabel("http.route"), "http_route");
  assert.equal(
    prometheusLabel("http.response.status_code"),
    "http_response_status_code",
  );
  assert.equal(prometheusLabel("2xx"), "key_2xx");
  assert.equal(prometheusJob("space-app", "demo"), "demo/space-app");
  assert.equal(prometheusJob("space-app"), "space-app");
});

Deno.test("every declared instrument has a unique name and valid buckets", () => {
  const all = [...SERVICE_INSTRUMENTS, ...LOADGEN_INSTRUMENTS];
  const names = new Set(all.map((s) => s.name));
  assert.equal(names.size, new Set(all).size);
  for (const s of all) {
    if (s.kind !== "histogram") continue;
    assert.ok(s.buckets && s.buckets.length > 0, `${s.name} has buckets`);
    for (let i = 1; i < s.buckets!.length; i++) {
      assert.ok(s.buckets![i] > s.buckets![i - 1]);
    }
  }
});
