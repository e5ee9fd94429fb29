/**
 * loadgen's mix: seeded draws follow the weights within statistical
 * tolerance, are reproducible, and `/work` durations stay in `--work-ms`.
 */
import assert from "node:assert/strict";
import { parseMix, parseMsRange } from "../loadgen/flags.ts";
import { mixPicker, randomInt, seededRandom } from "../loadgen/mix.ts";

function draws(mix: string, workMs: string, seed: number, n: number) {
  const draw = mixPicker(
    parseMix("--mix", mix),
    parseMsRange("--work-ms", workMs),
    seededRandom(seed),
  );
  return Array.from({ length: n }, draw);
}

/** Asserts `observed` of `n` is within 5 standard deviations of `n * p`. */
function assertProportion(
  observed: number,
  n: number,
  p: number,
  what: string,
) {
  const expected = n * p;
  const sigma = Math.sqrt(n * p * (1 - p));
  assert.ok(
    Math.abs(observed - expected) <= 5 * sigma,
    `${what}: ${observed} of ${n}, expected ${expected.toFixed(0)} ± ${
      (5 * sigma).toFixed(0)
    }`,
  );
}

Deno.test("the default mix: 80% /, 19% /work, 1% /error over many seeded draws", () => {
  for (const seed of [1, 2, 3, 4_294_967_295]) {
    const n = 100_000;
    const counts: Record<string, number> = {};
    for (const d of draws("/:80,/work:19,/error:1", "100-500", seed, n)) {
      counts[d.route] = (counts[d.route] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(counts).sort(), ["/", "/error", "/work"]);
    assertProportion(counts["/"], n, 0.8, `seed ${seed} /`);
    assertProportion(counts["/work"], n, 0.19, `seed ${seed} /work`);
    assertProportion(counts["/error"], n, 0.01, `seed ${seed} /error`);
  }
});

Deno.test("uneven and zero weights", () => {
  const n = 50_000;
  const counts: Record<string, number> = {};
  for (const d of draws("/a:0,/b:1,/c:0,/d:3,/e:0", "0", 9, n)) {
    counts[d.route] = (counts[d.route] ?? 0) + 1;
  }
  assert.deepEqual(Object.keys(counts).sort(), ["/b", "/d"]);
  assertProportion(counts["/b"], n, 0.25, "/b");
});

Deno.test("the same seed draws the same sequence; another seed another one", () => {
  const a = draws("/:80,/work:19,/error:1", "100-500", 42, 1_000);
  const b = draws("/:80,/work:19,/error:1", "100-500", 42, 1_000);
  const c = draws("/:80,/work:19,/error:1", "100-500", 43, 1_000);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("--work-ms bounds: every /work ms is in range, both ends are drawn, spread evenly", () => {
  const work = draws("/work:1", "100-500", 7, 40_000).map((d) => {
    const match = /^\/work\?ms=(\d+)$/.exec(d.pathAndQuery);
    assert.ok(match, d.pathAndQuery);
    assert.equal(d.route, "/work");
    return Number(match[1]);
  });
  assert.ok(work.every((ms) => Number.isInteger(ms) && ms >= 100 && ms <= 500));
  assert.equal(Math.min(...work), 100);
  assert.equal(Math.max(...work), 500);
  // Four equal quarters of the range get a quarter each.
  for (let q = 0; q < 4; q++) {
    const low = 100 + q * 100;
    const high = q === 3 ? 501 : low + 100; // the last quarter includes 500
    const inQuarter = work.filter((ms) => ms >= low && ms < high).length;
    const p = q === 3 ? 101 / 401 : 100 / 401;
    assertProportion(
      inQuarter,
      work.length,
      p,
      `quarter ${q}`,
    );
  }
  // A single value is a fixed duration; other paths get no query.
  assert.ok(
    draws("/work:1", "250", 1, 100).every((d) =>
      d.pathAndQuery === "/work?ms=250"
    ),
  );
  assert.ok(
    draws("/:1,/error:1", "100-500", 1, 100).every((d) =>
      d.pathAndQuery === d.route
    ),
  );
});

Deno.test("randomInt covers [min, max] inclusive", () => {
  const random = seededRandom(5);
  const seen = new Set<number>();
  for (let i = 0; i < 1_000; i++) {
    const v = randomInt(random, 3, 6);
    assert.ok(v >= 3 && v <= 6);
    seen.add(v);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
  const r = seededRandom(0);
  for (let i = 0; i < 10_000; i++) {
    const x = r();
    assert.ok(x >= 0 && x < 1);
  }
});

Deno.test("mix and range parsing accepts spaces and single values", () => {
  assert.deepEqual(parseMix("--mix", " / : 2 , /work:1"), [
    { path: "/", weight: 2 },
    { path: "/work", weight: 1 },
  ]);
  assert.deepEqual(parseMsRange("--work-ms", " 10 - 20 "), {
    min: 10,
    max: 20,
  });
  assert.deepEqual(parseMsRange("--work-ms", "0"), { min: 0, max: 0 });
  assert.throws(() => parseMix("--mix", ""), /bad item ""/);
  assert.throws(() => parseMix("--mix", "/work?ms=3:1"), /bad item/);
  assert.throws(() => parseMsRange("--work-ms", "1.5"), /MIN-MAX/);
});
