/**
 * loadgen as a process: against the real service (one trace across both
 * services, loadgen's CLIENT span the parent of the service's SERVER span),
 * against a refused port, and stopped by a signal.
 */
import assert from "node:assert/strict";
import {
  freePort,
  type ServiceProcess,
  spawnService,
  waitForHttp,
} from "./_helpers.ts";
import { OtlpReceiver } from "../lib/otlp_receiver.ts";

const CLIENT = 3;
const SERVER = 2;

function otlpEnv(endpoint: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_BLRP_SCHEDULE_DELAY: "100",
  };
}

/** With `--json`, stdout is the summary alone: one JSON object on one line. */
function jsonSummary(p: ServiceProcess): Record<string, unknown> {
  const lines = p.lines.filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, `stdout: ${lines.join("\n")}`);
  return JSON.parse(lines[0]);
}

/**
 * With `--json`, the log lines go to stderr; anything else there (a
 * permission prompt or refusal, a stack trace) fails the test.
 */
function stderrRecords(p: ServiceProcess): Record<string, unknown>[] {
  return p.stderr().split("\n").filter((l) => l !== "").map((line) => {
    try {
      const record = JSON.parse(line);
      assert.ok(typeof record.level === "string", line);
      return record;
    } catch {
      return assert.fail(`stderr line is not a log record: ${line}`);
    }
  });
}

Deno.test("against the real service: one trace spans loadgen and space-app", async (t) => {
  const receiver = new OtlpReceiver();
  const service = spawnService(["serve"], {
    ...otlpEnv(receiver.endpoint),
    SHUTDOWN_DRAIN_MS: "0",
  });
  let loadgen: ServiceProcess;
  try {
    await waitForHttp(`${service.base}/healthz`);
    loadgen = spawnService([
      "loadgen",
      "--rate",
      "50",
      "--requests",
      "30",
      "--mix",
      "/:1,/work:1,/error:1",
      "--work-ms",
      "5-20",
      "--seed",
      "5",
      "--json",
    ], {
      ...otlpEnv(receiver.endpoint),
      TARGET_BASE_URL: service.base,
    });
    assert.equal((await loadgen.status).code, 0, loadgen.stderr());
    // Only log records on stderr: nothing refused under -P=service.
    stderrRecords(loadgen);
    service.child.kill("SIGTERM");
    assert.equal((await service.status).code, 0);
  } finally {
    await receiver.close();
  }

  const clients = receiver.spans.filter((s) =>
    s.kind === CLIENT && s.resource["service.name"] === "loadgen"
  );
  const servers = receiver.spans.filter((s) =>
    s.kind === SERVER && s.resource["service.name"] === "space-app"
  );

  await t.step("the summary counts every request", () => {
    const summary = jsonSummary(loadgen);
    assert.equal(summary.sent, 30);
    assert.equal(summary.stopped_by, "requests");
    assert.equal(summary.shortfall, 0);
    const total = summary.total as Record<string, number>;
    assert.equal(total.count, 30);
    const routes = summary.routes as { route: string; errors: number }[];
    const error = routes.find((r) => r.route === "/error")!;
    assert.equal(total.errors, error.errors, "only /error fails");
    assert.deepEqual(
      Object.keys(summary.status_classes as object).sort(),
      error.errors > 0 ? ["2xx", "5xx"] : ["2xx"],
    );
  });

  await t.step("loadgen's CLIENT spans follow the client conventions", () => {
    assert.equal(clients.length, 30);
    for (const c of clients) {
      const template = c.attributes["url.template"] as string;
      assert.equal(c.name, `GET ${template}`);
      assert.equal(c.attributes["http.request.method"], "GET");
      assert.equal(c.attributes["server.address"], "127.0.0.1");
      assert.equal(c.attributes["server.port"], service.port);
      assert.ok(
        (c.attributes["url.full"] as string).startsWith(
          `${service.base}${template}`,
        ),
      );
      const status = c.attributes["http.response.status_code"];
      assert.equal(status, template === "/error" ? 500 : 200);
      assert.equal(
        c.attributes["error.type"],
        status === 500 ? "500" : undefined,
      );
    }
    assert.equal(clients[0].resource["service.namespace"], "demo");
  });

  await t.step(
    "each server span continues its client span's trace as its child",
    () => {
      assert.equal(servers.length, 30);
      for (const s of servers) {
        const parent = clients.find((c) => c.spanId === s.parentSpanId);
        assert.ok(parent, `the parent of ${s.name} is a loadgen CLIENT span`);
        assert.equal(parent.traceId, s.traceId);
        assert.equal(s.name, parent.name, "same route on both sides");
      }
    },
  );

  await t.step("loadgen exports its own metrics", () => {
    const ours = receiver.metrics.filter((m) =>
      m.resource["service.name"] === "loadgen"
    );
    const duration = ours.find((m) =>
      m.name === "http.client.request.duration"
    );
    assert.equal(duration?.unit, "s");
    const counted = duration!.points.reduce((n, p) => n + (p.count ?? 0), 0);
    assert.equal(counted, 30);
    const requests = ours.find((m) => m.name === "loadgen.requests");
    const sent = requests!.points.reduce((n, p) => n + p.value, 0);
    assert.equal(sent, 30);
    assert.ok(
      requests!.points.every((p) =>
        ["ok", "http_error"].includes(p.attributes.outcome as string)
      ),
    );
  });
});

Deno.test("a refused target: errors counted, progress says so, clean exit at the end of --duration", async () => {
  const port = freePort();
  const started = performance.now();
  const p = spawnService([
    "loadgen",
    "--target",
    `http://127.0.0.1:${port}`,
    "--rate",
    "20",
    "--duration",
    "2s",
    "--progress",
    "500ms",
    "--json",
  ], { OTEL_SDK_DISABLED: "true" });
  const status = await p.status;
  const seconds = (performance.now() - started) / 1_000;
  assert.equal(status.code, 0, p.stderr());
  assert.ok(seconds < 8, `took ${seconds.toFixed(1)} s`);
  const summary = jsonSummary(p);
  const total = summary.total as Record<string, number>;
  assert.ok(total.errors > 0);
  assert.equal(total.errors, total.count);
  assert.deepEqual(summary.failures, { connection_refused: total.count });
  assert.equal(summary.stopped_by, "duration");
  assert.ok(Math.abs((summary.elapsed_s as number) - 2) < 0.2);
  // It backed off: far fewer than 40 attempts.
  assert.ok(total.count < 15, `${total.count} attempts`);
  const records = stderrRecords(p);
  assert.ok(
    records.some((r) =>
      r.msg === "target unreachable: backing off" &&
      r["error.type"] === "connection_refused"
    ),
  );
  assert.ok(
    records.some((r) =>
      r.level === "warn" &&
      String(r.msg).startsWith(
        "progress: target unreachable (connection_refused)",
      )
    ),
  );
});

Deno.test("SIGTERM and SIGINT print the summary and exit 0; a test server sees traceparent", async (t) => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    await t.step(signal, async () => {
      const traceparents: (string | null)[] = [];
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        (req) => {
          traceparents.push(req.headers.get("traceparent"));
          return Response.json({ ok: true });
        },
      );
      try {
        const p = spawnService([
          "loadgen",
          "--target",
          `http://127.0.0.1:${server.addr.port}`,
          "--rate",
          "40",
          "--mix",
          "/:1",
        ], {
          // Telemetry on (so traceparent is injected) but exported nowhere.
          OTEL_TRACES_EXPORTER: "none",
          OTEL_METRICS_EXPORTER: "none",
          OTEL_LOGS_EXPORTER: "none",
        });
        const deadline = Date.now() + 10_000;
        while (traceparents.length < 5 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        p.child.kill(signal);
        assert.equal((await p.status).code, 0, p.stderr());
        assert.equal(p.stderr(), "");
        const text = p.lines.join("\n");
        assert.match(text, new RegExp(`\\(stopped by ${signal}\\)`));
        assert.match(
          text,
          /\nroute +count +errors +p50 ms +p95 ms +p99 ms +max ms\n/,
        );
        assert.match(text, /\ntotal +\d+ +0 /);
        assert.ok(traceparents.length >= 5);
        for (const header of traceparents) {
          assert.match(header ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
        }
        assert.equal(
          new Set(traceparents.map((h) => h!.slice(3, 35))).size,
          traceparents.length,
          "one trace per request",
        );
      } finally {
        await server.shutdown();
      }
    });
  }
});
