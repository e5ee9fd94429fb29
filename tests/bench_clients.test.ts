/**
 * The bench's Deno load clients against a local server: the open-loop
 * fixed-rate client and the fallback saturation loops, in process and as
 * the program the bench runs.
 */
import assert from "node:assert/strict";
import { atRate, FALLBACK_TOOL, saturate } from "../bench/load.ts";
import { run } from "../lib/process.ts";

async function withServer(
  fn: (url: string, hits: () => number) => Promise<void>,
): Promise<void> {
  let hits = 0;
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      hits++;
      return new URL(req.url).pathname === "/"
        ? new Response("ok")
        : new Response("no", { status: 404 });
    },
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/`, () => hits);
  } finally {
    ac.abort();
    await server.finished;
  }
}

Deno.test("the rate client sends the scheduled number of requests and measures them", async () => {
  await withServer(async (url, hits) => {
    const r = await atRate(url, 200, 0.5);
    assert.equal(r.scheduled, 100);
    assert.equal(r.requests, 100);
    assert.equal(hits(), 100);
    assert.equal(r.errors + r.non2xx + r.skipped, 0);
    assert.ok(r.p50Ms > 0 && r.p99Ms >= r.p50Ms);
    assert.ok(r.lagP99Ms >= 0);
    assert.ok(r.seconds >= 0.49, `took ${r.seconds} s`);
    const missing = await atRate(url + "missing", 100, 0.1);
    assert.equal(missing.non2xx, 10);
  });
});

Deno.test("the fallback load client keeps connections busy and says it is the fallback", async () => {
  await withServer(async (url, hits) => {
    const r = await saturate(url, 4, 0.3);
    assert.equal(r.tool, FALLBACK_TOOL);
    assert.match(r.tool, /FALLBACK/);
    assert.ok(r.requests > 10);
    assert.equal(r.requests, hits());
    assert.equal(r.errors, 0);
  });
});

Deno.test("bench/load.ts as a program: one JSON line, or usage and exit 2", async () => {
  const load = new URL("../bench/load.ts", import.meta.url).pathname;
  const deno = [Deno.execPath(), "run", "-A", "--quiet", load];
  await withServer(async (url) => {
    const out = await run([...deno, "rate", url, "50", "0.2"]);
    assert.equal(out.code, 0, out.stderr);
    const r = JSON.parse(out.stdout);
    assert.equal(r.scheduled, 10);
    assert.equal(r.requests, 10);
  });
  const bad = await run([...deno, "rate", "http://x/", "-1", "1"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^usage: /);
});
