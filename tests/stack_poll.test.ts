/**
 * Readiness polling and retry-until-deadline, driven by a fake clock and a
 * fake fetch: no real time passes.
 */
import assert from "node:assert/strict";
import {
  type Clock,
  type FetchLike,
  NotReadyError,
  RetryError,
  retryUntil,
  waitReady,
} from "../stack/poll.ts";
import { freePort } from "../lib/process.ts";

/** A clock whose sleep only moves its own time forward. */
function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: (ms) => {
      slept.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

/** A fetch answering from a script: a status with body, or a thrown error. */
function scriptedFetch(
  script: ({ status: number; body: string } | Error)[],
): FetchLike & { urls: string[] } {
  const urls: string[] = [];
  let i = 0;
  const fetch = (input: string) => {
    urls.push(input);
    const step = script[Math.min(i++, script.length - 1)];
    if (step instanceof Error) return Promise.reject(step);
    return Promise.resolve(new Response(step.body, { status: step.status }));
  };
  return Object.assign(fetch, { urls });
}

Deno.test("waitReady: refused, then 503, then 200 is ready on the third attempt", async () => {
  const clock = fakeClock();
  const fetch = scriptedFetch([
    new TypeError("error sending request: Connection refused (os error 111)"),
    {
      status: 503,
      body: "Ingester not ready: waiting for 15s after being ready",
    },
    { status: 200, body: "ready" },
  ]);
  const ready = await waitReady(
    { name: "loki", url: "http://127.0.0.1:3100/ready", timeoutMs: 60_000 },
    { fetch, clock, intervalMs: 1_000 },
  );
  assert.deepEqual(ready, { name: "loki", attempts: 3, elapsedMs: 2_000 });
  assert.deepEqual(clock.slept, [1_000, 1_000]);
  assert.deepEqual(fetch.urls, Array(3).fill("http://127.0.0.1:3100/ready"));
});

Deno.test("waitReady: never ready times out naming the URL and the last status", async () => {
  const clock = fakeClock();
  const fetch = scriptedFetch([
    {
      status: 503,
      body: "Ingester not ready: waiting for 15s after being ready",
    },
  ]);
  await assert.rejects(
    waitReady(
      { name: "loki", url: "http://127.0.0.1:3100/ready", timeoutMs: 10_000 },
      { fetch, clock, intervalMs: 1_000 },
    ),
    (e: unknown) => {
      assert.ok(e instanceof NotReadyError);
      assert.equal(
        e.message,
        "loki not ready at http://127.0.0.1:3100/ready after 10.0 s (timeout 10.0 s, 11 attempts); last status 503: Ingester not ready: waiting for 15s after being ready",
      );
      return true;
    },
  );
  assert.ok(clock.now() <= 10_000, "never sleeps past the timeout");
});

Deno.test("waitReady: a network error is the last word when nothing answered", async () => {
  const clock = fakeClock();
  const fetch = scriptedFetch([new TypeError("Connection refused")]);
  await assert.rejects(
    waitReady(
      { name: "tempo", url: "http://127.0.0.1:3200/ready", timeoutMs: 3_000 },
      { fetch, clock, intervalMs: 1_000 },
    ),
    /tempo not ready at http:\/\/127\.0\.0\.1:3200\/ready .*; last error: Connection refused$/,
  );
});

Deno.test("retryUntil: returns the first success with its attempt count", async () => {
  const clock = fakeClock();
  let calls = 0;
  const result = await retryUntil(() => {
    calls++;
    if (calls < 4) return Promise.reject(new Error(`not yet ${calls}`));
    return Promise.resolve("found");
  }, { deadline: 60_000, clock, intervalMs: 2_000 });
  assert.deepEqual(result, { value: "found", attempts: 4 });
  assert.equal(clock.now(), 6_000);
});

Deno.test("retryUntil: past the deadline rejects with the last failure", async () => {
  const clock = fakeClock();
  let calls = 0;
  await assert.rejects(
    retryUntil(() => {
      calls++;
      return Promise.reject(new Error(`no series yet (${calls})`));
    }, { deadline: 5_000, clock, intervalMs: 2_000 }),
    (e: unknown) => {
      assert.ok(e instanceof RetryError);
      assert.equal(e.attempts, 3);
      assert.equal(e.message, "3 attempts; last: no series yet (3)");
      return true;
    },
  );
  assert.equal(clock.now(), 4_000);
});

Deno.test("retryUntil: a deadline already passed still tries once", async () => {
  const clock = fakeClock();
  await clock.sleep(10_000);
  const result = await retryUntil(() => Promise.resolve(1), {
    deadline: 0,
    clock,
  });
  assert.equal(result.attempts, 1);
  await assert.rejects(
    retryUntil(() => Promise.reject(new Error("down")), { deadline: 0, clock }),
    /1 attempt; last: down/,
  );
});

Deno.test("freePort: never hands out one port twice, though the kernel offers ports again", () => {
  // Among 500 ports the kernel repeats one almost surely (about 28,000 to pick from).
  const ports = Array.from({ length: 500 }, freePort);
  assert.equal(new Set(ports).size, ports.length);
});
