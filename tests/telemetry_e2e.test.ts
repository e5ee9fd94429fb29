/**
 * End to end: the real service process exports to an OTLP/HTTP receiver in
 * this test, which decodes what arrives; and export failures never touch
 * requests.
 */
import assert from "node:assert/strict";
import { getJson, spawnService, waitForHttp } from "./_helpers.ts";
import { OtlpReceiver, type ReceivedSpan } from "../lib/otlp_receiver.ts";
import { SECOND_BUCKETS } from "../telemetry/instruments.ts";
import {
  decode,
  type DecodedMessage,
  LOGS_REQUEST,
  TRACES_REQUEST,
} from "./_protobuf.ts";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const SERVER = 2;
const STATUS_ERROR = 2;

function exportEnv(endpoint: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_BLRP_SCHEDULE_DELAY: "100",
    OTEL_RESOURCE_ATTRIBUTES:
      "deployment.environment.name=e2e,service.namespace=demo",
    SHUTDOWN_DRAIN_MS: "0",
  };
}

Deno.test("the service exports all three signals, correlated, to an OTLP receiver", async (t) => {
  const receiver = new OtlpReceiver();
  const service = spawnService(["serve"], exportEnv(receiver.endpoint));
  try {
    await waitForHttp(`${service.base}/healthz`);
    assert.equal((await getJson(`${service.base}/`)).status, 200);
    assert.equal((await getJson(`${service.base}/work?ms=20`)).status, 200);
    assert.equal((await getJson(`${service.base}/error`)).status, 500);
    const continued = await getJson(`${service.base}/`, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
    });
    assert.equal(continued.status, 200);
    service.child.kill("SIGTERM");
    assert.equal((await service.status).code, 0);
    // Run under the binary's permission set (-P=service): nothing was refused.
    assert.equal(service.stderr(), "");
  } finally {
    await receiver.close();
  }

  const servers = receiver.spans.filter((s) => s.kind === SERVER);
  const byName = (name: string) =>
    receiver.spans.filter((s) => s.name === name);

  await t.step("resource attributes", () => {
    const resource = receiver.spans[0].resource;
    assert.equal(resource["service.name"], "space-app");
    assert.equal(resource["service.namespace"], "demo");
    assert.equal(resource["service.version"], "0.1.0");
    assert.equal(resource["deployment.environment.name"], "e2e");
    assert.equal(resource["telemetry.sdk.name"], "opentelemetry");
    assert.equal(resource["process.runtime.name"], "deno");
    assert.equal(typeof resource["service.instance.id"], "string");
    assert.equal(typeof resource["host.name"], "string");
    for (const s of receiver.spans) assert.deepEqual(s.resource, resource);
    for (const l of receiver.logs) assert.deepEqual(l.resource, resource);
  });

  await t.step("one server span per call, with route and status", () => {
    assert.deepEqual(
      servers.map((
        s,
      ) => [
        s.name,
        s.attributes["http.route"],
        s.attributes["http.response.status_code"],
      ]).sort(),
      [
        ["GET /", "/", 200],
        ["GET /", "/", 200],
        ["GET /error", "/error", 500],
        ["GET /work", "/work", 200],
      ],
    );
    for (const s of servers) {
      assert.equal(s.attributes["url.scheme"], "http");
      assert.equal(s.attributes["server.address"], "127.0.0.1");
      assert.equal(s.attributes["client.address"], "127.0.0.1");
    }
  });

  const serverOf = (child: ReceivedSpan) =>
    servers.find((s) => s.spanId === child.parentSpanId);

  await t.step("compute is a child of its server span with work.ms", () => {
    const [compute] = byName("compute");
    assert.equal(compute.attributes["work.ms"], 20);
    assert.equal(serverOf(compute)?.name, "GET /work");
    assert.equal(serverOf(compute)?.traceId, compute.traceId);
  });

  await t.step("boom has status ERROR and an exception event", () => {
    const [boom] = byName("boom");
    assert.equal(boom.status?.code, STATUS_ERROR);
    const event = boom.events?.find((e) => e.name === "exception");
    assert.ok(event, "exception event");
    assert.equal(serverOf(boom)?.name, "GET /error");
    const errorServer = serverOf(boom)!;
    assert.equal(errorServer.status?.code, STATUS_ERROR);
    assert.equal(errorServer.attributes["error.type"], "Error");
  });

  await t.step("the known trace id is continued with the given parent", () => {
    const continued = servers.find((s) => s.traceId === TRACE_ID);
    assert.ok(continued, "a server span in the given trace");
    assert.equal(continued.parentSpanId, PARENT_ID);
  });

  await t.step(
    "log records carry the ids of their spans; stdout lines the same",
    () => {
      const hellos = receiver.logs.filter((l) =>
        l.body === "hello from space-app"
      );
      assert.equal(hellos.length, 2);
      const roots = byName("root-handler");
      for (const log of hellos) {
        assert.ok(
          roots.some((s) =>
            s.traceId === log.traceId && s.spanId === log.spanId
          ),
        );
        assert.equal(log.severityText, "INFO");
      }
      const boomLog = receiver.logs.find((l) => l.body === "boom");
      const [boom] = byName("boom");
      assert.equal(boomLog?.traceId, boom.traceId);
      assert.equal(boomLog?.spanId, boom.spanId);
      assert.equal(boomLog?.severityText, "ERROR");

      const lines = service.records();
      const stdoutHellos = lines.filter((l) =>
        l.msg === "hello from space-app"
      );
      assert.equal(stdoutHellos.length, 2);
      for (const line of stdoutHellos) {
        assert.ok(
          hellos.some((l) =>
            l.traceId === line.trace_id && l.spanId === line.span_id
          ),
        );
        assert.equal(line.service, "space-app");
        assert.equal(line.level, "info");
        assert.equal(typeof line.time, "string");
      }
      assert.ok(
        lines.some((l) => l.msg === "boom" && l.trace_id === boom.traceId),
      );
    },
  );

  await t.step(
    "metrics: the app's three and the semconv histogram, counts equal to the calls",
    () => {
      // Cumulative: the last export holds the totals.
      const last = (name: string) =>
        receiver.metrics.filter((m) => m.name === name).at(-1);
      const byRoute = (name: string, key: string, field: "value" | "count") =>
        Object.fromEntries(
          (last(name)?.points ?? []).map((p) => [p.attributes[key], p[field]]),
        );
      assert.deepEqual(byRoute("app_requests_total", "route", "value"), {
        "/": 2,
        "/work": 1,
        "/error": 1,
      });
      assert.deepEqual(byRoute("app_request_errors_total", "route", "value"), {
        "/error": 1,
      });
      assert.deepEqual(byRoute("app_request_duration_ms", "route", "count"), {
        "/": 2,
        "/work": 1,
        "/error": 1,
      });
      assert.equal(last("app_request_duration_ms")?.unit, "ms");
      const seconds = last("http.server.request.duration");
      assert.equal(seconds?.unit, "s");
      assert.deepEqual(
        byRoute("http.server.request.duration", "http.route", "count"),
        { "/": 2, "/work": 1, "/error": 1 },
      );
      const workPoint = seconds!.points.find((p) =>
        p.attributes["http.route"] === "/work"
      )!;
      assert.ok(workPoint.value >= 0.02, `work took ${workPoint.value}s`);
      assert.deepEqual(workPoint.bounds, SECOND_BUCKETS);
      assert.ok(
        last("http.server.active_requests"),
        "active requests exported",
      );
    },
  );

  await t.step("the shutdown line reports nothing dropped", () => {
    const totals = service.records().find((l) =>
      l.msg === "telemetry shut down"
    );
    assert.ok(totals);
    assert.equal(totals["telemetry.flush"], "complete");
    assert.equal(totals["telemetry.spans.dropped"], 0);
    assert.equal(totals["telemetry.logs.dropped"], 0);
    assert.equal(totals["telemetry.spans.exported"], receiver.spans.length);
  });
});

for (
  const implementation of ["own", "sdk"] as const
) {
  Deno.test(`http/protobuf (the default) reaches the receiver's three paths (${implementation} exporter and batch processor)`, async () => {
    const receiver = new OtlpReceiver();
    const env: Record<string, string> = {
      ...exportEnv(receiver.endpoint),
      SPACE_APP_OTLP_EXPORTER: implementation,
    };
    delete env.OTEL_EXPORTER_OTLP_PROTOCOL;
    const service = spawnService(["serve"], env);
    try {
      await waitForHttp(`${service.base}/healthz`);
      await getJson(`${service.base}/`);
      service.child.kill("SIGTERM");
      assert.equal((await service.status).code, 0);
    } finally {
      await receiver.close();
    }
    const paths = new Set(
      receiver.requests.map((r) => `${r.path} ${r.contentType}`),
    );
    assert.ok(
      paths.has("/v1/traces application/x-protobuf"),
      [...paths].join(", "),
    );
    assert.ok(paths.has("/v1/logs application/x-protobuf"));
    assert.ok(paths.has("/v1/metrics application/x-protobuf"));
    // Decode what our protobuf encoder sent: resource_spans(1) > scope_spans(2) > spans(2) > name(5).
    const names = receiver.requests.filter((r) => r.path === "/v1/traces")
      .flatMap((r) => {
        const request = decode(r.body, TRACES_REQUEST);
        return (request.get(1) ?? []).flatMap((rs) =>
          ((rs as DecodedMessage).get(2) ?? []).flatMap((ss) =>
            ((ss as DecodedMessage).get(2) ?? []).map((span) =>
              new TextDecoder().decode(
                (span as DecodedMessage).get(5)![0] as Uint8Array,
              )
            )
          )
        );
      });
    assert.deepEqual(names.sort(), ["GET /", "root-handler"]);
    const logBodies = receiver.requests.filter((r) => r.path === "/v1/logs")
      .flatMap((r) => {
        const request = decode(r.body, LOGS_REQUEST);
        return (request.get(1) ?? []).flatMap((rl) =>
          ((rl as DecodedMessage).get(2) ?? []).flatMap((sl) =>
            ((sl as DecodedMessage).get(2) ?? []).map((record) => {
              const body = (record as DecodedMessage).get(
                5,
              )![0] as DecodedMessage;
              return new TextDecoder().decode(body.get(1)![0] as Uint8Array);
            })
          )
        );
      });
    assert.ok(logBodies.includes("hello from space-app"), logBodies.join(", "));
    assert.equal(service.stderr(), "", "nothing refused under -P=service");
  });
}

async function failingCollector(
  name: string,
  env: (endpoint: string) => Record<string, string>,
  mode: "hang" | "status-503" | "status-400" | "refuse",
) {
  const receiver = new OtlpReceiver({ mode: mode === "refuse" ? "ok" : mode });
  const endpoint = receiver.endpoint;
  // Closing the receiver leaves a port where connections are refused.
  if (mode === "refuse") await receiver.close();
  const service = spawnService(["serve"], {
    ...exportEnv(endpoint),
    ...env(endpoint),
    SHUTDOWN_TIMEOUT_MS: "4000",
  });
  try {
    await waitForHttp(`${service.base}/healthz`);
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const res = await getJson(`${service.base}/`);
      assert.equal(res.status, 200, `${name}: request ${i}`);
      assert.ok(
        performance.now() - started < 1000,
        `${name}: request ${i} was slowed`,
      );
      await new Promise((r) => setTimeout(r, 25));
    }
    // Wait until the exports have had time to fail.
    const deadline = Date.now() + 8000;
    while (
      !service.records().some((l) =>
        l.msg?.toString().startsWith("telemetry export failing")
      )
    ) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stopped = performance.now();
    service.child.kill("SIGTERM");
    const status = await service.status;
    const took = performance.now() - stopped;
    assert.equal(
      status.code,
      0,
      `${name}: exit code (stderr: ${service.stderr()})`,
    );
    assert.ok(took < 4500, `${name}: shutdown took ${Math.round(took)} ms`);
    const warnings = service.records().filter((l) =>
      typeof l.msg === "string" && l.msg.startsWith("telemetry export failing")
    );
    assert.equal(
      warnings.length,
      1,
      `${name}: one warning, got ${warnings.length}`,
    );
    assert.equal(warnings[0].level, "warn");
    const totals = service.records().find((l) =>
      l.msg === "telemetry shut down"
    );
    assert.ok(totals, `${name}: totals line`);
    assert.ok(
      (totals["telemetry.spans.dropped"] as number) > 0 ||
        (totals["telemetry.logs.dropped"] as number) > 0,
      `${name}: drops are counted`,
    );
  } finally {
    if (mode !== "refuse") await receiver.close();
  }
}

const FAST_FAIL = (_: string) => ({
  OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
  OTEL_METRIC_EXPORT_INTERVAL: "500",
});

Deno.test("collector refusing connections: requests succeed, one warning, clean exit", () =>
  failingCollector("refuse", FAST_FAIL, "refuse"));

Deno.test("collector accepting but never answering: same", () =>
  failingCollector("hang", FAST_FAIL, "hang"));

Deno.test("collector answering 503: same", () =>
  failingCollector("503", FAST_FAIL, "status-503"));

Deno.test("collector answering 400: same", () =>
  failingCollector("400", FAST_FAIL, "status-400"));
