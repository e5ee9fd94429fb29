/**
 * The bounded batcher and the export monitor: drops are counted, state
 * changes are said once.
 */
import assert from "node:assert/strict";
import { Batcher } from "../telemetry/batcher.ts";
import { ExportMonitor } from "../telemetry/export_monitor.ts";
import type { Log } from "../telemetry/logger.ts";

const config = {
  maxQueueSize: 10,
  maxExportBatchSize: 4,
  scheduleDelayMs: 20,
  exportTimeoutMs: 1000,
};

function recordingLog() {
  const said: {
    level: string;
    msg: string;
    attributes?: Record<string, unknown>;
  }[] = [];
  const at =
    (level: string) => (msg: string, attributes?: Record<string, unknown>) =>
      void said.push({ level, msg, attributes });
  const log = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  } as Log;
  return { log, said };
}

Deno.test("full batches export at once, the rest after the delay", async () => {
  const batches: number[][] = [];
  const b = new Batcher<number>(config, (items) => {
    batches.push(items);
    return Promise.resolve(true);
  }, { dropped: () => assert.fail("nothing is dropped") });
  for (let i = 0; i < 6; i++) b.add(i);
  assert.deepEqual(batches, [[0, 1, 2, 3]]);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(batches, [[0, 1, 2, 3], [4, 5]]);
  await b.close();
});

Deno.test("a full queue drops and counts; add never blocks", async () => {
  let dropped = 0;
  let release!: () => void;
  const hung = new Promise<boolean>((
    resolve,
  ) => (release = () => resolve(false)));
  const b = new Batcher<number>(config, () => hung, {
    dropped: (n) => (dropped += n),
  });
  // Two batches go on the wire and hang; the queue then holds 10 more.
  for (let i = 0; i < 30; i++) b.add(i);
  assert.equal(b.queued, 10);
  assert.equal(dropped, 30 - 8 - 10);
  release();
  await b.close();
  assert.equal(b.queued, 0);
  b.add(99);
  assert.equal(dropped, 13, "a closed batcher refuses and counts");
});

Deno.test("flush exports everything queued and waits", async () => {
  const seen: number[] = [];
  const b = new Batcher<number>(
    { ...config, scheduleDelayMs: 60_000 },
    async (items) => {
      await new Promise((r) => setTimeout(r, 10));
      seen.push(...items);
      return true;
    },
    { dropped: () => {} },
  );
  for (let i = 0; i < 7; i++) b.add(i);
  await b.flush();
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
});

Deno.test("the monitor warns once when failing starts and once when it ends", () => {
  const { log, said } = recordingLog();
  const m = new ExportMonitor(log, {
    traces: "http://c/v1/traces",
    metrics: "http://c/v1/metrics",
    logs: "http://c/v1/logs",
  });
  m.exported("traces", 5);
  assert.equal(said.length, 0);
  m.exportFailed("traces", 3, new Error("ECONNREFUSED"));
  m.exportFailed("logs", 2, new Error("ECONNREFUSED"));
  m.exportFailed("traces", 4, new Error("ECONNREFUSED"));
  m.queueFull("traces", 6);
  assert.equal(said.length, 1);
  assert.equal(said[0].level, "warn");
  assert.equal(
    said[0].attributes?.["telemetry.endpoint"],
    "http://c/v1/traces",
  );
  assert.equal(said[0].attributes?.["error.message"], "ECONNREFUSED");
  assert.ok(m.failing);
  m.exported("traces", 1);
  assert.equal(said.length, 1, "logs still failing: no recovery yet");
  m.exported("logs", 1);
  assert.equal(said.length, 2);
  assert.equal(said[1].level, "info");
  assert.equal(said[1].msg, "telemetry export recovered");
  assert.equal(said[1].attributes?.["telemetry.dropped"], 15);
  assert.equal(m.failing, false);
  assert.deepEqual(m.counts.traces, {
    exported: 6,
    droppedQueueFull: 6,
    droppedExportFailed: 7,
  });
  assert.equal(m.totalDropped(), 15);
});
