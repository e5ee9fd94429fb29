/**
 * The stack test's own parts, without backends: the check suite against
 * fake sources (and a fake Prometheus that lacks one series, which must
 * fail the query that names it), what a run expects of each config, the
 * stand-ins' OTLP decoding, the command line and the report format.
 */
import assert from "node:assert/strict";
import { STACK } from "../gen/stack.config.ts";
import { lenField, writeVarint } from "../lib/protobuf.ts";
import { runCompose } from "../stack/containers.ts";
import { expectations, NO_TEMPO } from "../stack/expect.ts";
import { parseCommand, variants } from "../stack/main.ts";
import { Report } from "../stack/report.ts";
import type {
  LogSource,
  PrometheusSource,
  TraceSource,
} from "../stack/sources.ts";
import { decodeProtoLogs, OtlpReceiver } from "../lib/otlp_receiver.ts";
import { runSuite, spread } from "../stack/suite.ts";
import { freePort } from "./_helpers.ts";

const [DEFAULT, TAIL] = variants();

/** A space-app that answers the exercised routes. */
function fakeApp() {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => {
      const path = new URL(req.url).pathname;
      return new Response("{}", { status: path === "/error" ? 500 : 200 });
    },
  );
}

/** A Prometheus holding every series but those `missing` names. */
function fakePrometheus(missing: readonly string[] = []): PrometheusSource {
  const sample = (route: string) => ({
    metric: { route, trace_id: "ab" },
    value: 1,
    time: 0,
  });
  return {
    query: (promql) =>
      Promise.resolve(
        missing.some((m) => promql.includes(m))
          ? []
          : ["/", "/work", "/error"].map(sample),
      ),
    exemplars: () => Promise.resolve([{ trace_id: "ab" }]),
    labelValues: () => Promise.resolve(["/", "/work"]),
  };
}

const spans = [
  {
    traceId: "t1",
    spanId: "c",
    parentSpanId: "",
    name: "GET",
    kind: "CLIENT",
    serviceName: "loadgen",
    statusCode: "UNSET",
  },
  {
    traceId: "t1",
    spanId: "s",
    parentSpanId: "c",
    name: "GET /",
    kind: "SERVER",
    serviceName: "space-app",
    statusCode: "UNSET",
  },
] as const;
const traces: TraceSource = {
  label: "fake traces",
  traceIds: () => Promise.resolve(["t1"]),
  trace: () => Promise.resolve([...spans]),
};
const logs: LogSource = {
  label: "fake logs",
  logs: () => Promise.resolve([{ traceId: "t1", text: "hello" }]),
};

async function suiteWith(prometheus: PrometheusSource) {
  const app = fakeApp();
  const lines: string[] = [];
  const report = new Report((l) => lines.push(l));
  try {
    await runSuite(
      {
        app: `http://127.0.0.1:${app.addr.port}`,
        prometheus,
        traces,
        logs,
        grafana: { skip: "no Grafana here" },
      },
      expectations(DEFAULT.config, "native"),
      {
        report,
        timeoutS: 0,
        minRetryMs: 0,
        intervalMs: 1,
        rounds: 2,
      },
    );
  } finally {
    await app.shutdown();
  }
  return { lines, report };
}

Deno.test("suite: every check passes on complete backends; Tempo-made series are skipped natively", async () => {
  const { lines, report } = await suiteWith(fakePrometheus());
  assert.deepEqual(lines.filter((l) => l.startsWith("FAIL")), []);
  assert.ok(lines.every((l) => /^(ok|skip) /.test(l)), lines.join("\n"));
  const skipped = lines.filter((l) => l.startsWith("skip"));
  assert.ok(
    skipped.some((l) => l.includes("Span rate") && l.endsWith(NO_TEMPO)),
  );
  assert.ok(skipped.some((l) => l.startsWith("skip logql:")));
  assert.ok(skipped.some((l) => l.endsWith("no Grafana here")));
  assert.ok(
    lines.some((l) => l.startsWith("ok promql: alert No telemetry arriving")),
  );
  assert.equal(report.finish(), 0);
});

Deno.test("suite: a dashboard query naming a series that does not exist fails", async () => {
  const { lines, report } = await suiteWith(
    fakePrometheus(["otelcol_process_memory_rss"]),
  );
  const failed = lines.filter((l) => l.startsWith("FAIL"));
  assert.equal(failed.length, 1, failed.join("\n"));
  assert.match(
    failed[0],
    /Memory \(RSS\).*no result for .*otelcol_process_memory_rss/,
  );
  assert.equal(report.finish(), 1);
});

Deno.test("expectations: what each config and set of backends can hold", () => {
  const native = expectations(DEFAULT.config, "native");
  assert.equal(native.absent("traces_spanmetrics_calls_total"), NO_TEMPO);
  assert.equal(native.absent("app_requests_total"), undefined);
  assert.equal(
    expectations(DEFAULT.config, "all").absent("traces_x"),
    undefined,
  );
  // With tail sampling the collector derives them: nothing is absent.
  const tail = expectations(TAIL.config, "native");
  assert.equal(tail.absent("traces_spanmetrics_calls_total"), undefined);
  assert.match(
    tail.exemplars,
    /^traces_spanmetrics_duration_seconds_bucket\{service_name=/,
  );
  assert.match(native.series[0], /\{job="demo\/space-app"\}$/);
  assert.ok(native.expressions.length >= 30);
  assert.deepEqual(native.dashboards.map((d) => d.uid).sort(), [
    "space-app-collector",
    "space-app-red",
    "space-app-traces-logs",
  ]);
});

/** An OTLP KeyValue with a string value. */
function kv(key: string, value: string): number[] {
  const enc = new TextEncoder();
  return [
    ...lenField(1, enc.encode(key)),
    ...lenField(2, lenField(1, enc.encode(value))),
  ];
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

Deno.test("the receiver decodes the collector's gzip protobuf exports", async () => {
  const enc = new TextEncoder();
  const resource = lenField(1, lenField(1, kv("service.name", "space-app")));
  const kind: number[] = [];
  writeVarint(kind, 6 * 8);
  writeVarint(kind, 2);
  const span = [
    ...lenField(1, hexBytes("0102030405060708090a0b0c0d0e0f10")),
    ...lenField(2, hexBytes("1112131415161718")),
    ...lenField(4, hexBytes("2122232425262728")),
    ...lenField(5, enc.encode("GET /")),
    ...kind,
    ...lenField(9, kv("http.route", "/")),
  ];
  const traces = lenField(1, [...resource, ...lenField(2, lenField(2, span))]);
  const record = [
    ...lenField(3, enc.encode("INFO")),
    ...lenField(5, lenField(1, enc.encode("hello"))),
    ...lenField(9, hexBytes("0102030405060708090a0b0c0d0e0f10")),
  ];
  const logsBody = lenField(1, [
    ...resource,
    ...lenField(2, lenField(2, record)),
  ]);

  const port = freePort();
  const standIn = new OtlpReceiver({ port, paths: { traces: "/v1/traces" } });
  try {
    const gz = new Response(
      new Blob([new Uint8Array(traces)]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    );
    const answer = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: "POST",
      headers: {
        "content-type": "application/x-protobuf",
        "content-encoding": "gzip",
      },
      body: await gz.arrayBuffer(),
    });
    assert.equal(answer.status, 200);
    await answer.body?.cancel();
    const wrong = await fetch(`http://127.0.0.1:${port}/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(wrong.status, 404);
    await wrong.body?.cancel();
  } finally {
    await standIn.close();
  }
  assert.deepEqual(standIn.spans, [{
    traceId: "0102030405060708090a0b0c0d0e0f10",
    spanId: "1112131415161718",
    parentSpanId: "2122232425262728",
    name: "GET /",
    kind: 2,
    attributes: { "http.route": "/" },
    status: undefined,
    events: [],
    resource: { "service.name": "space-app" },
  }]);
  assert.equal(standIn.refused.length, 1);
  const [log] = decodeProtoLogs(new Uint8Array(logsBody));
  assert.equal(log.body, "hello");
  assert.equal(log.severityText, "INFO");
  assert.equal(log.resource["service.name"], "space-app");
  assert.equal(log.traceId, "0102030405060708090a0b0c0d0e0f10");
});

Deno.test("command line: modes, flags, one-line errors", () => {
  assert.deepEqual(parseCommand(["native", "--require", "--timeout", "60"]), {
    help: false,
    mode: "native",
    require: true,
    keep: false,
    timeoutS: 60,
    variant: undefined,
  });
  assert.equal(parseCommand(["--help"]).help, true);
  assert.throws(
    () => parseCommand(["swarm"]),
    /mode "swarm" is invalid: expected one of native, build, compose, k8s/,
  );
  assert.throws(
    () => parseCommand(["native", "--timeout", "soon"]),
    /--timeout "soon" is invalid/,
  );
  assert.throws(
    () => parseCommand(["native", "--variant", "x"]),
    /--variant "x" is invalid: expected one of default, tail-sampling/,
  );
  assert.throws(() => parseCommand(["native", "--verbose"]), /verbose/);
});

Deno.test("no container engine: a skip, or a failure with --require", async () => {
  for (const require of [false, true]) {
    const lines: string[] = [];
    const report = new Report((l) => lines.push(l));
    await runCompose(STACK, {
      report,
      timeoutS: 1,
      keep: false,
      require,
      log: () => {},
      run: () =>
        Promise.resolve({
          code: 1,
          stdout: "",
          stderr: "Cannot connect to the Docker daemon",
        }),
    });
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      require ? /^FAIL Docker engine/ : /^skip Docker engine/,
    );
    assert.equal(report.finish(), require ? 1 : 0);
  }
});

Deno.test("report: one line per check, a closing count", () => {
  const lines: string[] = [];
  const r = new Report((l) => lines.push(l));
  r.scope("v").add("ok", "a", "fine");
  r.skip("b", "why");
  assert.equal(r.finish(), 0);
  assert.deepEqual(lines, [
    "ok [v] a: fine",
    "skip b: why",
    "1 passed, 0 failed, 1 skipped",
  ]);
  assert.deepEqual(spread([1, 2, 3, 4, 5, 6], 3), [1, 3, 5]);
});
