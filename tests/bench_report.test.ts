/**
 * The bench's readers and conclusions: wrk's report, a server's stdout,
 * CPU profiles, the summary of synthetic runs with its targets and failure
 * rules, and the rendered table.
 */
import assert from "node:assert/strict";
import { parseWrk } from "../bench/load.ts";
import {
  type CpuProfile,
  groupOf,
  shortUrl,
  summarizeProfile,
} from "../bench/profile_summary.ts";
import {
  HELLO_MSG,
  type RunResult,
  scanLine,
  type ServerLog,
} from "../bench/run.ts";
import {
  addedCpu,
  type Outcome,
  renderReport,
  summarize,
} from "../bench/summary.ts";
import { variant, VARIANTS } from "../bench/variants.ts";
import { table } from "../lib/output.ts";

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
  const s = summarizeProfile(profile, root);
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

Deno.test("server log: hello lines (JSON or not) counted, shutdown totals kept", () => {
  const log: ServerLog = { handled: 0 };
  const lines = [
    `{"time":"t","level":"info","msg":"space-app listening","service":"space-app"}`,
    `{"time":"t","level":"info","msg":"${HELLO_MSG}","trace_id":"ab","span_id":"cd"}`,
    `{"time":"t","level":"info","msg":"${HELLO_MSG}","trace_id":"ab","span_id":"ce"}`,
    `2026-11-30 13:49:03,475 INFO [space-app] [trace_id=1c span_id=5b] ${HELLO_MSG}`,
    `{"time":"t","level":"warn","msg":"telemetry export failing"}`,
    `{"time":"t","level":"warn","msg":"telemetry export failing"}`,
    `{"time":"t","level":"info","msg":"telemetry shut down","telemetry.spans.exported":4,"telemetry.spans.dropped":0,"service":"space-app"}`,
    "{not json",
    `{"msg":"telemetry shut down" but cut`,
    "INFO:     Shutting down",
    "",
  ];
  for (const line of lines) scanLine(line, log);
  assert.equal(log.handled, 3);
  assert.deepEqual(log.telemetryTotals, {
    "telemetry.spans.exported": 4,
    "telemetry.spans.dropped": 0,
  });
});

function window(usPerRequest: number, otherPct = 1) {
  return {
    cpuSeconds: 1,
    wallSeconds: 1,
    usPerRequest,
    serverPct: 99,
    loadSidePct: 35,
    otherPct,
  };
}

/** A run of `id` in `round`: CPU µs/req at saturation `cpu` (twice that at the fixed rate). */
function fakeRun(
  id: string,
  round: number,
  cpu: number,
  rps: number,
  delivered = 1,
): RunResult {
  const handled = 1000;
  const per = variant(id).perRequest;
  const delivery = (n: number) => ({
    received: Math.round(n * handled * delivered),
    expected: n * handled,
  });
  return {
    variant: id,
    round,
    rate: {
      tool: "rate",
      rate: 500,
      scheduled: 500,
      skipped: 0,
      requests: 500,
      seconds: 1,
      rps: 500,
      p50Ms: 0.5,
      p99Ms: 2,
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
    peakRssMb: 100 + round,
    handled,
    handledFrom: variant(id).handled,
    spans: delivery(per.spans),
    logs: delivery(per.logs),
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
  };
}

const all: Outcome[] = VARIANTS.map((v) => ({ variant: v }));

/** Three rounds of every variant. */
function threeRounds(): RunResult[] {
  const cpu: Record<string, number[]> = {
    own: [30, 40, 33],
    "sdk-exporter": [50, 55, 45],
    off: [20, 25, 18],
    hono: [10, 11, 9],
    "deno-otel": [40, 45, 38],
    fastapi: [700, 800, 750],
  };
  const rps: Record<string, number> = {
    own: 20_000,
    "sdk-exporter": 16_000,
    off: 50_000,
    hono: 80_000,
    "deno-otel": 30_000,
    fastapi: 4_000,
  };
  return [1, 2, 3].flatMap((round) =>
    VARIANTS.map((v) =>
      fakeRun(v.id, round, cpu[v.id][round - 1], rps[v.id] + round)
    )
  );
}

function verdicts(lines: { name: string; verdict: string }[]) {
  return Object.fromEntries(lines.map((l) => [l.name, l.verdict]));
}

Deno.test("summary: rows are medians of rounds; added CPU per round against off; targets", () => {
  const runs = threeRounds();
  assert.deepEqual(addedCpu(runs, "own", "saturationCpu"), [10, 15, 15]);
  assert.deepEqual(addedCpu(runs, "own", "rateCpu"), [20, 30, 30]);
  assert.deepEqual(addedCpu(runs, "sdk-exporter", "saturationCpu"), [
    30,
    30,
    27,
  ]);
  assert.deepEqual(
    addedCpu(runs, "deno-otel", "saturationCpu", "hono"),
    [30, 34, 29],
  );
  const s = summarize(all, runs);
  assert.deepEqual(s.rows.map((r) => r.id), VARIANTS.map((v) => v.id));
  const own = s.rows[0];
  assert.equal(own.status, "ran");
  assert.equal(own.rounds, 3);
  assert.equal(own.rps, 20_002);
  assert.equal(own.saturationCpuUs, 33);
  assert.equal(own.rateCpuUs, 66);
  assert.equal(own.peakRssMb, 103);
  assert.deepEqual(own.spans, { received: 6000, expected: 6000 });
  assert.deepEqual(own.logs, { received: 3000, expected: 3000 });
  assert.deepEqual(s.rows[3].spans, { received: 0, expected: 0 });
  assert.deepEqual(s.failures, []);
  assert.deepEqual(s.losses, []);
  assert.deepEqual(s.notes, []);
  const v = verdicts(s.lines);
  assert.deepEqual(v, {
    "added CPU per request at saturation, own - off": "met",
    "added CPU per request at the fixed rate, own - off": "met",
    "added CPU per request at saturation, sdk-exporter - off": "info",
    "added CPU per request at the fixed rate, sdk-exporter - off": "info",
    "added CPU per request at saturation, deno-otel - hono": "info",
    "added CPU per request at the fixed rate, deno-otel - hono": "info",
    "spans lost at saturation, own": "met",
    "log records lost at saturation, own": "met",
    "peak RSS, own (largest of the rounds)": "met",
    "throughput own / fastapi (median req/s)": "met",
  });
  const line = s.lines[0];
  assert.equal(line.value, "10.0, 15.0, 15.0 µs by round; median 15.0 µs");
  assert.equal(line.target, "<= 20 µs");

  const text = renderReport(s, ["head"], 500);
  assert.match(
    text,
    /^head\n\nvariant +req\/s +CPU µs\/req +CPU µs\/req @500\/s/,
  );
  assert.match(
    text,
    /\nown +20002 +33\.0 +66\.0 +0\.50 +2\.00 +103\.0 +6000\/6000 +3000\/3000\n/,
  );
  assert.match(text, /\nhono +80002 .* 0\/0 +0\/0\n/);
  assert.match(
    text,
    /\[met\] +added CPU per request at saturation, own - off: 10\.0, 15\.0, 15\.0 µs by round; median 15\.0 µs \(target <= 20 µs\)/,
  );
  assert.match(
    text,
    /\[info\] +added CPU per request at saturation, sdk-exporter - off: 30\.0, 30\.0, 27\.0 µs/,
  );
  assert.match(
    text,
    /\[met\] +throughput own \/ fastapi \(median req\/s\): 5\.00 \(20002 \/ 4002\) \(target >= 4\)/,
  );
  assert.doesNotMatch(text, /FAILED|notes:/);
});

Deno.test("summary: targets not met, telemetry lost by own (a loss) and by others (a note)", () => {
  const runs = threeRounds().map((r) =>
    r.variant === "own"
      ? { ...fakeRun("own", r.round, 60, 9_000, 0.99), peakRssMb: 180 }
      : r.variant === "sdk-exporter"
      ? fakeRun("sdk-exporter", r.round, 60, 9_000, 0.5)
      : r
  );
  const s = summarize(all, runs);
  const v = verdicts(s.lines);
  assert.equal(v["added CPU per request at saturation, own - off"], "NOT met");
  assert.equal(v["spans lost at saturation, own"], "NOT met");
  assert.equal(v["log records lost at saturation, own"], "NOT met");
  assert.equal(v["peak RSS, own (largest of the rounds)"], "NOT met");
  assert.equal(v["throughput own / fastapi (median req/s)"], "NOT met");
  assert.equal(
    s.lines.find((l) => l.name === "spans lost at saturation, own")!.value,
    "60 of 6000",
  );
  assert.equal(s.losses.length, 6);
  assert.equal(s.losses[0], "own round 1: lost 20 of 2000 spans");
  assert.ok(
    s.notes.includes("sdk-exporter round 1: lost 1000 of 2000 spans"),
  );
  assert.deepEqual(s.failures, []);
});

Deno.test("summary: missing figures and unclean exits fail; skipped and failed variants are n/a, not failures", () => {
  const broken = { ...fakeRun("own", 1, NaN, 9000), exitCode: 1 };
  const s = summarize(
    [
      { variant: variant("own") },
      { variant: variant("off") },
      { variant: variant("hono") },
      {
        variant: variant("fastapi"),
        unavailable: { reason: "no python3", skipped: false },
      },
    ],
    [broken, fakeRun("off", 1, 20, 50000), {
      ...fakeRun("hono", 1, 9, 8e4),
      exitCode: 143,
    }],
  );
  assert.deepEqual(s.failures, [
    "own round 1: CPU µs/req at saturation is missing",
    "own round 1: CPU µs/req at the fixed rate is missing",
    "own round 1: exited 1 after SIGTERM",
    "hono round 1: exited 143 after SIGTERM",
  ]);
  const fastapi = s.rows.find((r) => r.id === "fastapi")!;
  assert.equal(fastapi.status, "failed");
  assert.equal(fastapi.reason, "no python3");
  const v = verdicts(s.lines);
  assert.equal(v["throughput own / fastapi (median req/s)"], "n/a");
  assert.equal(v["added CPU per request at saturation, own - off"], "NOT met");
  const text = renderReport(s, [], 500);
  assert.match(
    text,
    /\nfastapi +n\/a +n\/a .*n\/a\nfastapi: FAILED: no python3\n/,
  );
  assert.match(text, /\[n\/a\] +throughput own \/ fastapi/);
  assert.match(text, /\nFAILED:\n {2}- own round 1: CPU/);

  const skipped = summarize(
    [{ variant: variant("own"), unavailable: { reason: "x", skipped: true } }],
    [],
  );
  assert.equal(skipped.rows[0].status, "skipped");
  assert.deepEqual(skipped.failures, ["own: no figures (x)"]);
  assert.equal(
    verdicts(skipped.lines)["peak RSS, own (largest of the rounds)"],
    "n/a",
  );
});

Deno.test("summary: disturbances and odd responses are notes; the profiled run (round 0) is left out", () => {
  const r = fakeRun("own", 1, 30, 9000);
  const disturbed = {
    ...r,
    saturationCpu: { ...window(30, 25), loadSidePct: 95 },
    saturation: { ...r.saturation, errors: 2 },
  };
  const s = summarize(all.slice(0, 1), [disturbed, fakeRun("own", 0, 1, 1, 0)]);
  assert.equal(s.rows[0].rounds, 1);
  assert.deepEqual(s.losses, []);
  assert.deepEqual(s.notes, [
    "own round 1: other processes used up to 25% of a core in a phase: figures disturbed",
    "own round 1: the load side used 95% of its core at saturation: req/s may be its limit",
    "own round 1: saturation 2 errors, 0 non-2xx; fixed rate 0 errors, 0 non-2xx, 0 skipped",
  ]);
});

Deno.test("table aligns columns", () => {
  assert.equal(
    table(["name", "n"], [["a", "1"], ["bbb", "22"]]),
    "name   n\n----  --\na      1\nbbb   22",
  );
});
