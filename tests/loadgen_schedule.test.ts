/**
 * loadgen's open-loop schedule in virtual time: arrivals follow the rate
 * whatever the latency, the concurrency cap counts its shortfall, a
 * refused target is probed with backoff, and a stop signal ends it.
 */
import assert from "node:assert/strict";
import {
  OpenLoopScheduler,
  type ScheduleOptions,
  type SendOutcome,
  type TargetState,
} from "../loadgen/schedule.ts";
import { FakeClock } from "./_fake_clock.ts";

interface Log {
  sentAt: number[];
  skippedAt: number[];
  states: TargetState[];
}

function scheduler(
  clock: FakeClock,
  options: Partial<ScheduleOptions<number>>,
  reply: (n: number) => Promise<SendOutcome> = () => Promise.resolve({}),
): { s: OpenLoopScheduler<number>; log: Log } {
  const log: Log = { sentAt: [], skippedAt: [], states: [] };
  let n = 0;
  const s = new OpenLoopScheduler<number>({
    rate: 10,
    concurrency: 1_000,
    durationMs: undefined,
    requests: undefined,
    clock,
    draw: () => n++,
    send: (i) => {
      log.sentAt.push(clock.now());
      return reply(i);
    },
    skip: () => log.skippedAt.push(clock.now()),
    onTargetState: (state) => log.states.push(state),
    ...options,
  });
  return { s, log };
}

Deno.test("N requests at rate R are issued on the schedule in N/R seconds", async () => {
  const clock = new FakeClock();
  // Each request takes 250 ms: an open loop does not wait for answers.
  const { s, log } = scheduler(
    clock,
    { rate: 20, requests: 50 },
    () => clock.sleep(250).then(() => ({})),
  );
  const result = await clock.run(s.run());
  assert.equal(result.arrivals, 50);
  assert.equal(log.sentAt.length, 50);
  assert.equal(log.skippedAt.length, 0);
  assert.deepEqual(log.sentAt, Array.from({ length: 50 }, (_, k) => k * 50));
  assert.equal(result.scheduledMs, 50 / 20 * 1000);
  assert.equal(
    clock.now(),
    2_700,
    "the run ends with the last answer, 250 ms after the last send",
  );
});

Deno.test("a duration bounds the arrivals and the scheduled time", async () => {
  const clock = new FakeClock();
  const { s, log } = scheduler(clock, { rate: 2.5, durationMs: 10_000 });
  const result = await clock.run(s.run());
  assert.equal(result.arrivals, 25);
  assert.equal(log.sentAt.at(-1), 9_600);
  assert.equal(result.scheduledMs, 10_000);
});

Deno.test("the concurrency cap counts the shortfall instead of slowing down", async () => {
  const clock = new FakeClock();
  // Every request hangs for 10 s: with a cap of 5 only 5 of 30 arrivals go out.
  const { s, log } = scheduler(
    clock,
    { rate: 10, requests: 30, concurrency: 5 },
    () => clock.sleep(10_000).then(() => ({})),
  );
  let maxInFlight = 0;
  const watch = setInterval(() => {
    maxInFlight = Math.max(maxInFlight, s.inFlight);
  }, 0);
  try {
    const result = await clock.run(s.run());
    assert.equal(result.arrivals, 30);
    assert.equal(log.sentAt.length, 5);
    assert.equal(log.skippedAt.length, 25);
    assert.deepEqual(log.sentAt, [0, 100, 200, 300, 400]);
    // Skipped arrivals still happen on schedule: 500 ms, 600 ms, ...
    assert.deepEqual(
      log.skippedAt,
      Array.from({ length: 25 }, (_, k) => 500 + k * 100),
    );
    assert.equal(result.scheduledMs, 3_000);
    assert.ok(maxInFlight <= 5);
  } finally {
    clearInterval(watch);
  }
});

Deno.test("answers as slow as the interval keep the rate with the cap not reached", async () => {
  const clock = new FakeClock();
  const { s, log } = scheduler(
    clock,
    { rate: 100, requests: 200, concurrency: 10 },
    // 80 ms at 100/s: about 8 in flight, never 10.
    () => clock.sleep(80).then(() => ({})),
  );
  const result = await clock.run(s.run());
  assert.equal(log.sentAt.length, 200);
  assert.equal(log.skippedAt.length, 0);
  assert.equal(result.scheduledMs, 2_000);
});

Deno.test("a refused target is probed with doubling backoff; the schedule restarts when it answers", async () => {
  const clock = new FakeClock();
  let upAt = Infinity;
  const { s, log } = scheduler(
    clock,
    { rate: 10, durationMs: 20_000 },
    () =>
      Promise.resolve(
        clock.now() < upAt ? { unreachable: "connection_refused" } : {},
      ),
  );
  upAt = 8_000;
  const result = await clock.run(s.run());
  // 0: refused, seen when the next arrival is due (100); probes 250 ms
  // later, then 500, 1000, 2000, 4000 (all refused), 5000 (answered).
  assert.deepEqual(log.sentAt.slice(0, 7), [
    0,
    350,
    850,
    1_850,
    3_850,
    7_850,
    12_850,
  ]);
  assert.deepEqual(
    log.states.map((st) => st.up ? "up" : st.backoffMs),
    [250, 500, 1_000, 2_000, 4_000, 5_000, "up"],
  );
  // Then the rate resumes one interval after the answered probe, without a
  // burst to catch up: 10/s until 20 s.
  const after = log.sentAt.slice(7);
  assert.equal(after[0], 12_950);
  assert.equal(after.length, 71);
  for (let i = 1; i < after.length; i++) {
    assert.equal(Math.round(after[i] - after[i - 1]), 100);
  }
  assert.equal(log.skippedAt.length, 0);
  assert.equal(result.scheduledMs, 20_000);
});

Deno.test("a target that stays down: the run still ends at the end of the duration", async () => {
  const clock = new FakeClock();
  const { s, log } = scheduler(
    clock,
    { rate: 50, durationMs: 30_000 },
    () => Promise.resolve({ unreachable: "connection_refused" }),
  );
  const result = await clock.run(s.run());
  assert.equal(clock.now(), 30_000);
  assert.equal(result.scheduledMs, 30_000);
  // 0, then 270, 770, 1770, 3770, 7770, then every 5 s: 12770 ... 27770.
  assert.equal(log.sentAt.length, 10);
  assert.equal(s.targetState.up, false);
});

Deno.test("aborting the signal stops scheduling; requests in flight still finish", async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  let finished = 0;
  const { s, log } = scheduler(
    clock,
    { rate: 10, signal: stop.signal },
    () =>
      clock.sleep(1_000).then(() => {
        finished++;
        return {};
      }),
  );
  const running = s.run();
  await clock.advanceTo(1_050);
  stop.abort();
  const result = await clock.run(running);
  assert.equal(log.sentAt.length, 11);
  assert.equal(log.sentAt.at(-1), 1_000);
  assert.equal(finished, 11);
  assert.equal(result.scheduledMs, 1_050);
});
