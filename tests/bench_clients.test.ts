/**
 * The bench's Deno load clients against a local server: the open-loop
 * fixed-rate client and the fallback saturation loops.
 */
import assert from "node:assert/strict";
import { clientArgs } from "../bench/client_args.ts";
import { FALLBACK_TOOL, saturate } from "../bench/load_client.ts";
import { runAtRate } from "../bench/rate_client.ts";

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
    const r = await runAtRate(url, 200, 0.5);
    assert.equal(r.scheduled, 100);
    assert.equal(r.requests, 100);
    assert.equal(hits(), 100);
    assert.equal(r.errors + r.non2xx + r.skipped, 0);
    assert.ok(r.p50Ms > 0 && r.p99Ms >= r.p50Ms && r.maxMs >= r.p99Ms);
    assert.ok(r.seconds >= 0.49, `took ${r.seconds} s`);
    const missing = await runAtRate(url + "missing", 100, 0.1);
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

Deno.test("client arguments are all required", () => {
  assert.deepEqual(
    clientArgs(["--url", "u", "--rate", "5"], ["url", "rate"]),
    { url: "u", rate: "5" },
  );
  assert.throws(() => clientArgs(["--url", "u"], ["url", "rate"]), /--rate/);
  assert.throws(() => clientArgs(["--x", "1"], ["url"]), /bad argument/);
});
