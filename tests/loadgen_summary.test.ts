/**
 * loadgen's counting and reporting: percentiles and counts against known
 * latencies, the progress window, the text and JSON summaries, and a whole
 * run in virtual time against a fake target.
 */
import assert from "node:assert/strict";
import { metrics, trace } from "@opentelemetry/api";
import { recordEnv } from "../lib/env.ts";
import { type LoadgenConfig, parseLoadgenArgs } from "../loadgen/flags.ts";
import { percentile } from "../lib/stats.ts";
import { mixPicker, seededRandom } from "../loadgen/mix.ts";
import {
  buildSummary,
  LatencySample,
  progressRecord,
  Recorder,
  summaryJson,
  summaryText,
} from "../loadgen/report.ts";
import { runLoad } from "../loadgen/run.ts";
import type { Log } from "../telemetry/logger.ts";
import { FakeClock } from "./_fake_clock.ts";

/** 1..n in a scrambled order, so nothing depends on arrival order. */
function scrambled(n: number): number[] {
  const values = Array.from({ length: n }, (_, i) => i + 1);
  const random = seededRandom(99);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}

Deno.test("nearest-rank percentiles", () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 50), 50);
  assert.equal(percentile(hundred, 95), 95);
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(percentile(hundred, 100), 100);
  assert.equal(percentile([7], 50), 7);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 51), 3);
  assert.equal(percentile([], 50), undefined);
});

Deno.test("counts, errors and percentiles per route and in total", () => {
  const recorder = new Recorder(["/", "/work", "/error"]);
  for (const ms of scrambled(100)) {
    recorder.sent();
    recorder.record({ route: "/", status: 200, latencyMs: ms });
  }
  for (const ms of [1_000, 2_000, 3_000, 4_000]) {
    recorder.sent();
    recorder.record({ route: "/work", status: 200, latencyMs: ms });
  }
  for (let i = 0; i < 5; i++) {
    recorder.sent();
    recorder.record({ route: "/error", status: 500, latencyMs: 0.5 });
  }
  recorder.sent();
  recorder.record({ route: "/work", failure: "timeout", latencyMs: 10_000 });
  recorder.sent();
  recorder.record({ route: "/", failure: "connection_refused", latencyMs: 1 });
  recorder.sent();
  recorder.record({ route: "/", cancelled: true, latencyMs: 3 });
  recorder.skipped("/work");
  recorder.skipped("/work");

  const t = recorder.totals();
  const [root, work, error] = t.routes;
  assert.deepEqual(root, {
    route: "/",
    count: 101,
    errors: 1,
    shortfall: 0,
    cancelled: 1,
    latency: { p50: 50, p95: 95, p99: 99, max: 100 },
  });
  assert.deepEqual(work, {
    route: "/work",
    count: 5,
    errors: 1,
    shortfall: 2,
    cancelled: 0,
    latency: { p50: 2_000, p95: 4_000, p99: 4_000, max: 4_000 },
  });
  assert.deepEqual(error, {
    route: "/error",
    count: 5,
    errors: 5,
    shortfall: 0,
    cancelled: 0,
    latency: { p50: 0.5, p95: 0.5, p99: 0.5, max: 0.5 },
  });
  // Total: 109 answers (5 x 0.5, 1..100, 1000..4000), 2 failures.
  assert.equal(t.total.count, 111);
  assert.equal(t.total.errors, 7);
  assert.equal(t.total.shortfall, 2);
  assert.equal(t.total.cancelled, 1);
  assert.deepEqual(t.total.latency, {
    p50: 50, // rank 55 of 109: 5 halves, then 1..50
    p95: 99, // rank 104
    p99: 3_000, // rank 108
    max: 4_000,
  });
  assert.deepEqual(t.statusClasses, { "2xx": 104, "5xx": 5 });
  assert.deepEqual(t.failures, { timeout: 1, connection_refused: 1 });
  assert.equal(t.sent, 112);
  assert.equal(t.sampled, false);
});

Deno.test("a route missing from the mix is still counted; routes keep the mix order", () => {
  const recorder = new Recorder(["/b", "/a"]);
  recorder.record({ route: "/c", status: 404, latencyMs: 2 });
  const t = recorder.totals();
  assert.deepEqual(t.routes.map((r) => [r.route, r.count, r.errors]), [
    ["/b", 0, 0],
    ["/a", 0, 0],
    ["/c", 1, 1],
  ]);
  assert.deepEqual(t.routes[0].latency, {
    p50: undefined,
    p95: undefined,
    p99: undefined,
    max: undefined,
  });
});

Deno.test("the progress window resets; its rate, classes and percentiles are its own", () => {
  const recorder = new Recorder(["/"], 1_000);
  for (const ms of scrambled(20)) {
    recorder.sent();
    recorder.record({
      route: "/",
      status: ms <= 18 ? 200 : 503,
      latencyMs: ms,
    });
  }
  recorder.sent();
  recorder.skipped("/");
  const w = recorder.takeWindow(6_000);
  assert.equal(w.seconds, 5);
  assert.equal(w.sent, 21);
  assert.equal(w.count, 20, "answered or failed");
  assert.deepEqual(w.statusClasses, { "2xx": 18, "5xx": 2 });
  assert.equal(w.shortfall, 1);
  assert.deepEqual(w.latency, { p50: 10, p95: 19, p99: 20, max: 20 });

  const line = progressRecord(w, { rate: 5, concurrency: 1 }, {
    inFlight: 1,
    targetState: { up: true },
  });
  assert.equal(line.level, "info");
  assert.equal(
    line.msg,
    "progress: 4.2/s sent (target 5/s), 1 in flight, 2xx 18, 5xx 2, shortfall 1 (cap 1), p50 10.0ms p95 19.0ms p99 20.0ms",
  );
  assert.equal(line.attributes["loadgen.rate.achieved"], 4.2);
  assert.equal(line.attributes["loadgen.status.5xx"], 2);
  assert.equal(line.attributes["loadgen.latency.p99_ms"], 20);

  const next = recorder.takeWindow(11_000);
  assert.equal(next.sent, 0);
  assert.equal(next.latency.p50, undefined);
  const down = progressRecord(next, { rate: 5, concurrency: 1 }, {
    inFlight: 0,
    targetState: {
      up: false,
      reason: "connection_refused",
      backoffMs: 2_000,
    },
  });
  assert.equal(down.level, "warn");
  assert.equal(
    down.msg,
    "progress: target unreachable (connection_refused), retrying every 2s; 0/s sent (target 5/s), 0 in flight, no answers",
  );
  assert.equal(down.attributes["loadgen.target.up"], false);
  assert.equal(down.attributes["error.type"], "connection_refused");
  // The whole run still has everything.
  assert.equal(recorder.totals().total.count, 20);
});

Deno.test("past its capacity a latency sample keeps a uniform reservoir; count and max stay exact", () => {
  const sample = new LatencySample(1_000, seededRandom(1));
  const random = seededRandom(2);
  for (let i = 0; i < 100_000; i++) sample.add(random() * 100);
  sample.add(12_345);
  assert.equal(sample.count, 100_001);
  assert.equal(sample.sampled, true);
  const p = sample.percentiles();
  assert.equal(p.max, 12_345);
  assert.ok(Math.abs(p.p50! - 50) < 5, `p50 ${p.p50}`);
  assert.ok(Math.abs(p.p95! - 95) < 3, `p95 ${p.p95}`);
});

Deno.test("the text and JSON summaries", () => {
  const recorder = new Recorder(["/", "/error"]);
  for (const ms of [1, 2, 3, 4]) {
    recorder.sent();
    recorder.record({ route: "/", status: 200, latencyMs: ms });
  }
  recorder.sent();
  recorder.record({ route: "/error", status: 500, latencyMs: 1.25 });
  recorder.sent();
  recorder.record({ route: "/", failure: "connection_refused", latencyMs: 0 });
  recorder.skipped("/error");
  const summary = buildSummary({
    target: "http://127.0.0.1:8000",
    seed: 7,
    rate: 2.5,
    concurrency: 1,
    mix: "/:1,/error:1",
    workMs: "100-500",
    elapsedMs: 2_400,
    stoppedBy: "requests",
  }, recorder.totals());
  assert.equal(summary.achievedRate, 2.5);
  assert.equal(
    summaryText(summary),
    [
      "loadgen summary: 2.4s against http://127.0.0.1:8000 (stopped by requests), seed 7",
      "rate: target 2.5/s, achieved 2.5/s; sent 6, shortfall 1 (concurrency cap 1), cancelled 0",
      "route   count  errors  p50 ms  p95 ms  p99 ms  max ms",
      "/           5       1     2.0     4.0     4.0     4.0",
      "/error      1       1     1.3     1.3     1.3     1.3",
      "total       6       2     2.0     4.0     4.0     4.0",
      "answers: 2xx 4, 5xx 1; no answer: connection_refused 1",
    ].join("\n"),
  );
  const json = summaryJson(summary);
  assert.deepEqual(JSON.parse(JSON.stringify(json)), {
    target: "http://127.0.0.1:8000",
    seed: 7,
    stopped_by: "requests",
    elapsed_s: 2.4,
    rate: { target: 2.5, achieved: 2.5 },
    concurrency: 1,
    mix: "/:1,/error:1",
    work_ms: "100-500",
    sent: 6,
    shortfall: 1,
    cancelled: 0,
    status_classes: { "2xx": 4, "5xx": 1 },
    failures: { connection_refused: 1 },
    percentiles: "exact",
    routes: [
      {
        route: "/",
        count: 5,
        errors: 1,
        shortfall: 0,
        cancelled: 0,
        p50_ms: 2,
        p95_ms: 4,
        p99_ms: 4,
        max_ms: 4,
      },
      {
        route: "/error",
        count: 1,
        errors: 1,
        shortfall: 1,
        cancelled: 0,
        p50_ms: 1.25,
        p95_ms: 1.25,
        p99_ms: 1.25,
        max_ms: 1.25,
      },
    ],
    total: {
      route: "total",
      count: 6,
      errors: 2,
      shortfall: 1,
      cancelled: 0,
      p50_ms: 2,
      p95_ms: 4,
      p99_ms: 4,
      max_ms: 4,
    },
  });
});

function config(args: string[]): LoadgenConfig {
  const parsed = parseLoadgenArgs(args, recordEnv({}));
  assert.equal(parsed.help, false);
  return (parsed as { config: LoadgenConfig }).config;
}

function captureLog(): { log: Log; lines: [string, string][] } {
  const lines: [string, string][] = [];
  const at = (level: string) => (msg: string) => {
    lines.push([level, msg]);
  };
  return {
    lines,
    log: {
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
    },
  };
}

Deno.test("a whole run in virtual time: the summary matches the latencies the fake target gave", async () => {
  const clock = new FakeClock();
  const c = config([
    "--target",
    "http://fake.test:8000",
    "--rate",
    "10",
    "--requests",
    "300",
    "--mix",
    "/:2,/work:1,/error:1",
    "--work-ms",
    "100-500",
    "--seed",
    "11",
    "--progress",
    "10s",
  ]);
  const seen: string[] = [];
  // `/` takes 5 ms, `/error` 2 ms with a 500, `/work?ms=N` N ms.
  const fakeFetch = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    seen.push(url.pathname + url.search);
    const ms = url.pathname === "/work"
      ? Number(url.searchParams.get("ms"))
      : url.pathname === "/"
      ? 5
      : 2;
    await clock.sleep(ms);
    return new Response("{}", {
      status: url.pathname === "/error" ? 500 : 200,
    });
  }) as typeof fetch;
  const { log, lines } = captureLog();
  const stop = new AbortController();
  const summary = await clock.run(runLoad(c, {
    tracer: trace.getTracer("test"),
    meter: metrics.getMeter("test"),
    stop: stop.signal,
    cancel: stop.signal,
    clock,
    fetch: fakeFetch,
    log,
  }));

  // The expected latencies, from replaying the same seeded draws.
  const draw = mixPicker(c.mix, c.workMs, seededRandom(11));
  const expected = Array.from({ length: 300 }, draw);
  assert.deepEqual(seen, expected.map((d) => d.pathAndQuery));
  const workMs = expected.filter((d) => d.route === "/work")
    .map((d) => Number(d.pathAndQuery.split("=")[1]))
    .sort((a, b) => a - b);
  const nearest = (p: number) =>
    workMs[Math.ceil((p / 100) * workMs.length) - 1];
  const count = (route: string) =>
    expected.filter((d) => d.route === route).length;

  const [root, work, error] = summary.routes;
  assert.equal(root.count, count("/"));
  assert.equal(work.count, workMs.length);
  assert.equal(error.count, count("/error"));
  assert.equal(root.count + work.count + error.count, 300);
  assert.deepEqual(root.latency, { p50: 5, p95: 5, p99: 5, max: 5 });
  assert.deepEqual(work.latency, {
    p50: nearest(50),
    p95: nearest(95),
    p99: nearest(99),
    max: workMs.at(-1),
  });
  assert.equal(error.errors, error.count);
  assert.equal(summary.total.errors, error.count);
  assert.equal(summary.elapsedMs, 30_000);
  assert.equal(summary.achievedRate, 10);
  assert.equal(summary.stoppedBy, "requests");
  assert.equal(summary.total.shortfall, 0);
  assert.deepEqual(summary.statusClasses, {
    "2xx": 300 - error.count,
    "5xx": error.count,
  });

  const progress = lines.filter(([, msg]) => msg.startsWith("progress:"));
  assert.equal(progress.length, 3, "at 10 s, 20 s and 30 s");
  assert.match(progress[0][1], /^progress: 10\/s sent \(target 10\/s\), /);
  assert.deepEqual(lines[0], ["info", "loadgen started"]);
  assert.deepEqual(lines.at(-1), ["info", "loadgen finished"]);
});
