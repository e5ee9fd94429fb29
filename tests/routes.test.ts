/**
 * The HTTP contract through `app.request`: every route, every bad input.
 */
import assert from "node:assert/strict";
import { createApp } from "../routes/app.ts";
import { configureLogger } from "../telemetry/logger.ts";

const lines: string[] = [];
configureLogger({ service: "space-app", sink: (l) => lines.push(l) });

function app(
  options: { draining?: boolean; random?: () => number; maxWorkMs?: number } =
    {},
) {
  return createApp({
    maxWorkMs: options.maxWorkMs ?? 10_000,
    isDraining: () => options.draining ?? false,
    random: options.random ?? (() => 0.99),
  });
}

async function call(path: string, init?: RequestInit, a = app()) {
  const res = await a.request(path, init);
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    headers: res.headers,
    text,
    body: text ? JSON.parse(text) : null,
  };
}

const JSON_TYPE = "application/json";

Deno.test("GET / answers the greeting and logs inside root-handler", async () => {
  lines.length = 0;
  const r = await call("/");
  assert.equal(r.status, 200);
  assert.equal(r.type, JSON_TYPE);
  assert.deepEqual(r.body, { ok: true, msg: "Hello from space-app" });
  const record = JSON.parse(lines.at(-1)!);
  assert.equal(record.msg, "hello from space-app");
  assert.equal(record.level, "info");
});

Deno.test("GET /work sleeps the requested time and reports it", async (t) => {
  await t.step("explicit ms", async () => {
    const started = performance.now();
    const r = await call("/work?ms=30");
    assert.equal(r.status, 200);
    assert.equal(r.type, JSON_TYPE);
    assert.equal(r.body.ok, true);
    assert.equal(r.body.work_ms, 30);
    assert.ok(r.body.latency_ms >= 29, `latency ${r.body.latency_ms}`);
    assert.ok(performance.now() - started >= 29);
  });
  await t.step("default is 200 ms", async () => {
    const r = await call("/work");
    assert.equal(r.status, 200);
    assert.equal(r.body.work_ms, 200);
    assert.ok(r.body.latency_ms >= 199);
  });
  await t.step("default is capped by MAX_WORK_MS", async () => {
    const r = await call("/work", undefined, app({ maxWorkMs: 50 }));
    assert.equal(r.body.work_ms, 50);
  });
  await t.step("0 and the maximum are allowed", async () => {
    assert.equal((await call("/work?ms=0")).body.work_ms, 0);
    assert.equal(
      (await call("/work?ms=40", undefined, app({ maxWorkMs: 40 }))).body
        .work_ms,
      40,
    );
  });
  await t.step("the intermittent warning follows the random draw", async () => {
    lines.length = 0;
    await call("/work?ms=0", undefined, app({ random: () => 0.01 }));
    const warn = lines.map((l) => JSON.parse(l)).find((r) =>
      r.level === "warn"
    );
    assert.equal(warn?.msg, "intermittent issue observed");
    assert.equal(warn?.["work.ms"], 0);
    lines.length = 0;
    await call("/work?ms=0", undefined, app({ random: () => 0.06 }));
    assert.equal(lines.length, 0);
  });
});

Deno.test("GET /work refuses bad ms with 400 naming the value and the range", async (t) => {
  const cases: [string, RegExp][] = [
    ["ms=-1", /ms="-1": expected an integer from 0 to 10000/],
    ["ms=abc", /ms="abc": expected an integer from 0 to 10000/],
    ["ms=1.5", /ms="1.5": expected an integer from 0 to 10000/],
    ["ms=", /ms="": expected an integer from 0 to 10000/],
    ["ms=10001", /ms="10001": expected an integer from 0 to 10000/],
    ["ms=1e3", /ms="1e3": expected an integer from 0 to 10000/],
    ["ms=%20", /ms=" ": expected an integer/],
    [
      "ms=99999999999999999999",
      /ms="99999999999999999999": expected an integer/,
    ],
    [
      "ms=1&ms=2",
      /ms was given 2 times: expected it once, an integer from 0 to 10000/,
    ],
  ];
  for (const [query, detail] of cases) {
    await t.step(query, async () => {
      const r = await call(`/work?${query}`);
      assert.equal(r.status, 400);
      assert.equal(r.type, JSON_TYPE);
      assert.deepEqual(Object.keys(r.body), ["detail"]);
      assert.match(r.body.detail, detail);
    });
  }
});

Deno.test("GET /error answers 500 boom and logs an error", async () => {
  lines.length = 0;
  const r = await call("/error");
  assert.equal(r.status, 500);
  assert.equal(r.type, JSON_TYPE);
  assert.deepEqual(r.body, { detail: "boom" });
  const record = JSON.parse(lines.at(-1)!);
  assert.equal(record.level, "error");
  assert.equal(record.msg, "boom");
  assert.equal(record["exception.type"], "Error");
});

Deno.test("probes: /healthz is alive, /readyz follows draining", async () => {
  const alive = await call("/healthz");
  assert.equal(alive.status, 200);
  assert.deepEqual(alive.body, { status: "alive" });
  const ready = await call("/readyz");
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { status: "ready" });
  const draining = app({ draining: true });
  const notReady = await call("/readyz", undefined, draining);
  assert.equal(notReady.status, 503);
  assert.equal(notReady.type, JSON_TYPE);
  assert.deepEqual(notReady.body, { status: "draining" });
  assert.equal((await call("/healthz", undefined, draining)).status, 200);
});

Deno.test("unknown path is a JSON 404", async () => {
  const r = await call("/nope");
  assert.equal(r.status, 404);
  assert.equal(r.type, JSON_TYPE);
  assert.deepEqual(r.body, { detail: "no route for GET /nope" });
});

Deno.test("wrong method on a known path is a JSON 405 with Allow", async (t) => {
  for (
    const [method, path] of [["POST", "/"], ["DELETE", "/work"], [
      "PUT",
      "/error",
    ], ["PATCH", "/healthz"]]
  ) {
    await t.step(`${method} ${path}`, async () => {
      const r = await call(path, { method });
      assert.equal(r.status, 405);
      assert.equal(r.type, JSON_TYPE);
      assert.equal(r.headers.get("allow"), "GET, HEAD");
      assert.equal(
        r.body.detail,
        `method ${method} is not allowed on ${path}: use GET, HEAD`,
      );
    });
  }
});

Deno.test("HEAD is served like GET without a body", async () => {
  const res = await app().request("/", { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "");
});
