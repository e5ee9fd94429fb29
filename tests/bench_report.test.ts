/**
 * The bench's readers and conclusions: wrk's report, the service's stdout
 * log, CPU profiles, the summary with its targets and failure rules, and
 * the rendered table.
 */
import assert from "node:assert/strict";
import { parseWrk } from "../bench/wrk.ts";
import { emptyServiceLog, HELLO_MSG, scanLine } from "../bench/service_log.ts";
import {
  type CpuProfile,
  groupOf,
  shortUrl,
  summarizeProfile,
} from "../bench/profile_summary.ts";
import type { RunResult } from "../bench/run.ts";
import type { MemoryRunResult } from "../bench/memory_run.ts";
import { summarize } from "../bench/summary.ts";
import { renderReport, table } from "../bench/report.ts";
import { referenceSecond, sampleAt } from "../bench/memory_run.ts";

const WRK = `Running 10s test @ http://127.0.0.1:8000/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.61ms  512.00us  21.33ms   91.23%
    Req/Sec    19.21k     1.02k   20.50k    80.00%
  Latency Distribution
     50%  540.00us
     75%    2.75ms
     90%    3.01ms
     99%    1.20s
  191234 requests in 10.00s, 33.51MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  19123.40
Transfer/sec:      3.35MB
`;

Deno.test("wrk: totals, percentiles in us/ms/s, socket errors, non-2xx", () => {
  const r = parseWrk(WRK);
  assert.equal(r.tool, "wrk");
  assert.equal(r.requests, 191234);
  assert.equal(r.seconds, 10);
  assert.equal(r.rps, 19123.4);
  assert.equal(r.p50Ms, 0.54);
  assert.equal(r.p99Ms, 1200);
  assert.equal(r.errors, 6);
  assert.equal(r.non2xx, 7);
  const minimal = parseWrk("  100 requests in 1.00m, 1MB read\n");
  assert.equal(minimal.seconds, 60);
  assert.ok(Number.isNaN(minimal.p50Ms));
  assert.equal(minimal.errors, 0);
  assert.throws(() => parseWrk("unable to connect"), /no "N requests in T"/);
});

Deno.test("service log: hello lines counted, shutdown totals and warnings kept", () => {
  const log = emptyServiceLog();
  const lines = [
    `{"time":"t","level":"info","msg":"space-app listening","trace_id":"","span_id":"","service":"space-app"}`,
    `{"time":"t","level":"info","msg":"${HELLO_MSG}","trace_id":"ab","span_id":"cd","service":"space-app"}`,
    `{"time":"t","level":"info","msg":"${HELLO_MSG}","trace_id":"ab","span_id":"ce","service":"space-app"}`,
    `{"time":"t","level":"warn","msg":"telemetry export failing","service":"space-app"}`,
    `{"time":"t","level":"info","msg":"telemetry shut down","telemetry.spans.exported":4,"telemetry.spans.dropped":0,"service":"space-app"}`,
    `{"msg": "${HELLO_MSG}", "level": "info"}`,
    "not json",
    "",
  ];
  for (const line of lines) scanLine(line, log);
  assert.equal(log.handled, 3);
  assert.deepEqual(log.telemetryTotals, {
    "telemetry.spans.exported": 4,
    "telemetry.spans.dropped": 0,
  });
  assert.deepEqual(log.warnings, { "telemetry export failing": 1 });
  assert.equal(log.otherLines, 1);
});

Deno.test("profile: self time per function and group; idle apart", () => {
  const root = "file:///repo/";
  const npm =
    "file:///root/.cache/deno/npm/registry.npmjs.org/@opentelemetry/sdk-trace/3.1.0/dist/Span.mjs";
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 } },
      { id: 2, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
      {
        id: 3,
        callFrame: { functionName: "SpanImpl", url: npm, lineNumber: 119 },
      },
      {
        id: 4,
        callFrame: {
          functionName: "",
          url: `${root}telemetry/http.ts`,
          lineNumber: 9,
        },
      },
      {
        id: 5,
        callFrame: { functionName: "op_write_sync", url: "", lineNumber: -1 },
      },
    ],
    startTime: 1_000,
    endTime: 11_000,
    // Sample i lasts until sample i+1; the last until endTime.
    samples: [3, 3, 4, 2, 5],
    timeDeltas: [0, 2_000, 2_000, 1_000, 4_000], // at 1000, 3000, 5000, 6000, 10000
  };
  const s = summarizeProfile(profile, { root });
  assert.equal(s.totalMs, 10);
  assert.equal(s.idleMs, 4);
  assert.equal(s.busyMs, 6);
  assert.deepEqual(
    s.functions.map((f) => [f.name, f.location, f.selfMs, Math.round(f.pct)]),
    [
      ["SpanImpl", "@opentelemetry/sdk-trace@3.1.0/dist/Span.mjs:120", 4, 67],
      ["(anonymous)", "telemetry/http.ts:10", 1, 17],
      ["op_write_sync", "", 1, 17],
    ],
  );
  assert.deepEqual(s.groups.map((g) => g.name), [
    "npm:@opentelemetry/sdk-trace@3.1.0",
    "telemetry/http.ts",
    "(Deno ops: Rust)",
  ]);
  assert.equal(shortUrl("file:///x/y.ts"), "/x/y.ts");
  assert.equal(groupOf("ext:deno_http/00_serve.ts"), "ext:deno_http");
  assert.equal(groupOf("node:buffer"), "node:buffer");
});

Deno.test("memory run reference point and samples", () => {
  assert.equal(referenceSecond(60), 10);
  assert.equal(referenceSecond(5), 2.5);
  const samples = [0, 1.01, 2.02, 3.0].map((t, i) => ({
    t,
    rssMb: 50 + i,
    cpuTicks: 10 * i,
  }));
  assert.equal(sampleAt(samples, 2.5).t, 3.0);
  assert.equal(sampleAt(samples, 9).t, 3.0);
});

function window(usPerRequest: number) {
  return {
    cpuSeconds: 1,
    wallSeconds: 1,
    usPerRequest,
    utilisationPct: 99,
    foreignPct: 1,
    interruptPct: 0,
    stealPct: 0,
    harnessPct: 5,
    loadGenPct: 30,
  };
}

function fakeRun(
  variant: "A" | "B",
  pair: number,
  cpu: number,
  rps: number,
  delivered = 1,
): RunResult {
  const handled = 1000;
  const on = variant === "A";
  return {
    variant,
    pair,
    warmup: undefined,
    rate: {
      tool: "rate",
      rate: 500,
      scheduled: 500,
      skipped: 0,
      requests: 500,
      seconds: 1,
      rps: 500,
      p50Ms: on ? 0.5 : 0.4,
      p99Ms: on ? 2 : 1,
      maxMs: 3,
      lagP99Ms: 0.2,
      errors: 0,
      non2xx: 0,
    },
    rateCpu: window(cpu * 2),
    saturation: {
      tool: "wrk",
      requests: 500,
      seconds: 1,
      rps,
      p50Ms: 1,
      p99Ms: 2,
      errors: 0,
      non2xx: 0,
    },
    saturationCpu: window(cpu),
    peakRssMb: on ? 150 : 100,
    clientCompleted: handled,
    serverHandled: handled,
    spans: {
      received: on ? Math.round(2 * handled * delivered) : 0,
      expected: on ? 2 * handled : 0,
    },
    logs: {
      received: on ? Math.round(handled * delivered) : 0,
      expected: on ? handled : 0,
    },
    sink: {
      spans: 0,
      logRecords: 0,
      metricPoints: 0,
      spanNames: {},
      logBodies: {},
      requests: { traces: 0, logs: 0, metrics: 0 },
      rejected: 0,
      bytes: 0,
    },
    exitCode: 0,
    telemetryTotals: undefined,
    warnings: {},
  };
}

const memory = {
  durationS: 60,
  referenceS: 10,
  rssStartMb: 60,
  rssReferenceMb: 100,
  rssEndMb: 105,
  endOverReference: 1.05,
  peakRssMb: 110,
  exitCode: 0,
  load: { p50Ms: 1, p99Ms: 2 },
  cpu: window(80),
} as unknown as MemoryRunResult;

Deno.test("summary: medians, ratios, added CPU as the median of pair differences, targets", () => {
  const runs = [
    fakeRun("A", 1, 60, 9000),
    fakeRun("B", 1, 25, 15000),
    fakeRun("A", 2, 70, 8000),
    fakeRun("B", 2, 20, 16000),
    fakeRun("A", 3, 58, 9500),
    fakeRun("B", 3, 28, 14000),
  ];
  const s = summarize(runs, memory, true, { ...memory, collector: "up" });
  assert.deepEqual(s.addedCpuUsPerRequest.pairs, [35, 50, 30]);
  assert.equal(s.addedCpuUsPerRequest.median, 35);
  assert.equal(s.medians.A.rps, 9000);
  assert.equal(s.medians.B.rps, 15000);
  assert.equal(s.ratios.throughput, 0.6);
  assert.equal(s.ratios.cpuPerRequest, 60 / 25);
  assert.deepEqual(s.failures, []);
  assert.deepEqual(s.losses, []);
  const met = Object.fromEntries(s.targets.map((t) => [t.name, t.met]));
  assert.equal(met["added CPU per request (A - B, median of pairs)"], true);
  assert.equal(met["spans lost at saturation"], true);
  assert.equal(met["peak RSS, telemetry on (max over runs)"], true);
  assert.equal(met["RSS with the collector down: end vs 10 s"], true);
  assert.equal(met["throughput ratio, on/off (saturation)"], null);

  const text = renderReport(runs, memory, s, { rate: 500, header: ["head"] });
  assert.match(text, /A telemetry on\s+1\s+9000\s+0\.50\s+2\.00\s+60\.0/);
  assert.match(text, /2000\/2000\s+1000\/1000/);
  assert.match(text, /median 35\.0 us/);
  assert.match(text, /\[met\] +added CPU per request/);
});

Deno.test("summary: lost telemetry, missing figures and failed exits are told apart", () => {
  const lossy = summarize(
    [fakeRun("A", 1, 90, 9000, 0.99), fakeRun("B", 1, 20, 15000)],
    undefined,
    false,
  );
  assert.equal(lossy.lost.spans, 20);
  assert.equal(lossy.lost.logs, 10);
  assert.equal(lossy.losses.length, 1);
  assert.deepEqual(lossy.failures, []);
  const t = Object.fromEntries(lossy.targets.map((x) => [x.name, x.met]));
  assert.equal(t["spans lost at saturation"], false);
  assert.equal(t["added CPU per request (A - B, median of pairs)"], false);

  const broken = fakeRun("A", 1, NaN, 9000);
  const missing = summarize(
    [{ ...broken, exitCode: 1 }, fakeRun("B", 1, 20, 15000)],
    undefined,
    true,
  );
  assert.ok(missing.failures.includes("A1: CPU us/req is missing"));
  assert.ok(
    missing.failures.includes("A1: the service exited 1 at SIGTERM"),
  );
  assert.ok(missing.failures.includes("memory run: missing"));
  assert.ok(missing.failures.includes("memory control run: missing"));
  assert.ok(
    summarize([fakeRun("A", 1, 1, 1)], undefined, false).failures.includes(
      "no complete pair of runs",
    ),
  );
});

Deno.test("table aligns columns", () => {
  assert.equal(
    table(["name", "n"], [["a", "1"], ["bbb", "22"]]),
    "name   n\n----  --\na      1\nbbb   22",
  );
});
