/**
 * loadgen's flags and their environment equivalents: defaults, precedence,
 * and one clear line (exit 2) for every invalid value.
 */
import assert from "node:assert/strict";
import { ConfigError, recordEnv } from "../lib/env.ts";
import {
  FLAGS,
  LOADGEN_USAGE,
  type LoadgenConfig,
  parseLoadgenArgs,
} from "../loadgen/flags.ts";
import { spawnService } from "./_helpers.ts";

function parse(
  args: string[],
  env: Record<string, string> = {},
): LoadgenConfig {
  const parsed = parseLoadgenArgs(args, recordEnv(env), () => 12345);
  assert.equal(parsed.help, false);
  return (parsed as { config: LoadgenConfig }).config;
}

function rejects(
  args: string[],
  env: Record<string, string>,
  message: string,
): void {
  assert.throws(
    () => parseLoadgenArgs(args, recordEnv(env), () => 1),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      assert.ok(!error.message.includes("\n"), "one line");
      return true;
    },
  );
}

Deno.test("defaults", () => {
  const c = parse([]);
  assert.equal(c.target.href, "http://localhost:8000/");
  assert.equal(c.rate, 2.5);
  assert.equal(c.concurrency, 50);
  assert.equal(c.durationMs, undefined);
  assert.equal(c.requests, undefined);
  assert.deepEqual(c.mix, [
    { path: "/", weight: 80 },
    { path: "/work", weight: 19 },
    { path: "/error", weight: 1 },
  ]);
  assert.deepEqual(c.workMs, { min: 100, max: 500 });
  assert.equal(c.seed, 12345, "a drawn seed when none is given");
  assert.equal(c.json, false);
  assert.equal(c.timeoutMs, 10_000);
  assert.equal(c.progressMs, 5_000);
});

Deno.test("every flag, in both spellings", () => {
  const c = parse([
    "--target",
    "http://app:9000",
    "--rate=200",
    "--concurrency",
    "7",
    "--duration",
    "1.5s",
    "--requests=1000",
    "--mix",
    "/:1,/work:3",
    "--work-ms",
    "0-20",
    "--seed",
    "42",
    "--json",
    "--timeout",
    "750ms",
    "--progress=0s",
  ]);
  assert.equal(c.target.href, "http://app:9000/");
  assert.equal(c.rate, 200);
  assert.equal(c.concurrency, 7);
  assert.equal(c.durationMs, 1_500);
  assert.equal(c.requests, 1_000);
  assert.deepEqual(c.mix.map((e) => e.weight), [1, 3]);
  assert.equal(c.mixText, "/:1,/work:3");
  assert.deepEqual(c.workMs, { min: 0, max: 20 });
  assert.equal(c.seed, 42);
  assert.equal(c.json, true);
  assert.equal(c.timeoutMs, 750);
  assert.equal(c.progressMs, 0);
});

Deno.test("durations: ms, s, m, h", () => {
  assert.equal(parse(["--duration", "500ms"]).durationMs, 500);
  assert.equal(parse(["--duration", "30s"]).durationMs, 30_000);
  assert.equal(parse(["--duration", "5m"]).durationMs, 300_000);
  assert.equal(parse(["--duration", "2h"]).durationMs, 7_200_000);
});

Deno.test("environment equivalents; a flag wins over its variable", () => {
  const env = {
    TARGET_BASE_URL: "http://space-app:8000",
    LOADGEN_RATE: "5",
    LOADGEN_CONCURRENCY: "9",
    LOADGEN_DURATION: "1m",
    LOADGEN_REQUESTS: "10",
    LOADGEN_MIX: "/:1",
    LOADGEN_WORK_MS: "5",
    LOADGEN_SEED: "3",
    LOADGEN_JSON: "true",
    LOADGEN_TIMEOUT: "2s",
    LOADGEN_PROGRESS: "1s",
  };
  const fromEnv = parse([], env);
  assert.equal(fromEnv.target.href, "http://space-app:8000/");
  assert.equal(fromEnv.rate, 5);
  assert.equal(fromEnv.concurrency, 9);
  assert.equal(fromEnv.durationMs, 60_000);
  assert.equal(fromEnv.requests, 10);
  assert.deepEqual(fromEnv.mix, [{ path: "/", weight: 1 }]);
  assert.deepEqual(fromEnv.workMs, { min: 5, max: 5 });
  assert.equal(fromEnv.seed, 3);
  assert.equal(fromEnv.json, true);
  assert.equal(fromEnv.timeoutMs, 2_000);
  assert.equal(fromEnv.progressMs, 1_000);

  const both = parse(["--rate", "7", "--target", "http://other:2"], env);
  assert.equal(both.rate, 7);
  assert.equal(both.target.href, "http://other:2/");
  assert.equal(both.concurrency, 9);
  // A blank variable counts as unset.
  assert.equal(parse([], { LOADGEN_RATE: " " }).rate, 2.5);
  // Every flag documents its variable.
  assert.deepEqual(
    FLAGS.map((f) => f.env),
    [
      "TARGET_BASE_URL",
      "LOADGEN_RATE",
      "LOADGEN_CONCURRENCY",
      "LOADGEN_DURATION",
      "LOADGEN_REQUESTS",
      "LOADGEN_MIX",
      "LOADGEN_WORK_MS",
      "LOADGEN_SEED",
      "LOADGEN_JSON",
      "LOADGEN_TIMEOUT",
      "LOADGEN_PROGRESS",
    ],
  );
  for (const f of FLAGS) {
    assert.ok(LOADGEN_USAGE.includes(f.flag) && LOADGEN_USAGE.includes(f.env));
  }
});

Deno.test("--help", () => {
  assert.deepEqual(parseLoadgenArgs(["--rate", "1", "--help"], recordEnv({})), {
    help: true,
  });
  assert.deepEqual(parseLoadgenArgs(["-h"], recordEnv({})), { help: true });
});

Deno.test("invalid values name the flag or variable, the value and what is allowed", () => {
  const cases: [string[], Record<string, string>, string][] = [
    [
      ["--rate", "abc"],
      {},
      '--rate="abc" is invalid: expected a number from 0.001 to 100000 (per second)',
    ],
    [
      ["--rate", "0"],
      {},
      '--rate="0" is invalid: expected a number from 0.001 to 100000 (per second)',
    ],
    [
      [],
      { LOADGEN_RATE: "-1" },
      'LOADGEN_RATE="-1" is invalid: expected a number from 0.001 to 100000 (per second)',
    ],
    [
      ["--concurrency", "0"],
      {},
      '--concurrency="0" is invalid: expected an integer from 1 to 100000',
    ],
    [
      ["--requests", "1.5"],
      {},
      '--requests="1.5" is invalid: expected an integer from 1 to 1000000000',
    ],
    [
      ["--duration", "30"],
      {},
      '--duration="30" is invalid: expected a duration such as 500ms, 30s, 5m or 1h, from 1ms to 10000h',
    ],
    [
      ["--duration", "0s"],
      {},
      '--duration="0s" is invalid: expected a duration such as 500ms, 30s, 5m or 1h, from 1ms to 10000h',
    ],
    [
      ["--progress", "50ms"],
      {},
      '--progress="50ms" is invalid: expected a duration such as 500ms, 30s, 5m or 1h, from 0s or 100ms to 1h',
    ],
    [
      ["--target", "localhost:8000"],
      {},
      '--target="localhost:8000" is invalid: expected an absolute http:// or https:// URL',
    ],
    [
      [],
      { TARGET_BASE_URL: "ftp://x" },
      'TARGET_BASE_URL="ftp://x" is invalid: expected an absolute http:// or https:// URL',
    ],
    [
      ["--mix", "/:80,work:20"],
      {},
      '--mix="/:80,work:20" is invalid: expected comma-separated path:weight pairs with paths starting with / and integer weights, at least one above 0 (e.g. /:80,/work:19,/error:1) (bad item "work:20")',
    ],
    [
      ["--mix", "/:0"],
      {},
      '--mix="/:0" is invalid: expected comma-separated path:weight pairs with paths starting with / and integer weights, at least one above 0 (e.g. /:80,/work:19,/error:1) (all weights are 0)',
    ],
    [
      [],
      { LOADGEN_MIX: "/:1,/:2" },
      'LOADGEN_MIX="/:1,/:2" is invalid: expected comma-separated path:weight pairs with paths starting with / and integer weights, at least one above 0 (e.g. /:80,/work:19,/error:1) (/ appears twice)',
    ],
    [
      ["--work-ms", "500-100"],
      {},
      '--work-ms="500-100" is invalid: expected MIN-MAX or N in milliseconds, integers from 0 to 10000 with MIN <= MAX (e.g. 100-500)',
    ],
    [
      ["--work-ms", "100-20000"],
      {},
      '--work-ms="100-20000" is invalid: expected MIN-MAX or N in milliseconds, integers from 0 to 10000 with MIN <= MAX (e.g. 100-500)',
    ],
    [
      ["--seed=-3"],
      {},
      '--seed="-3" is invalid: expected an integer from 0 to 4294967295',
    ],
    [
      [],
      { LOADGEN_JSON: "yes" },
      'LOADGEN_JSON="yes" is invalid: expected true or false',
    ],
    [
      ["--rates", "3"],
      {},
      'unknown argument "--rates": expected --target VALUE, --rate VALUE, --concurrency VALUE, --duration VALUE, --requests VALUE, --mix VALUE, --work-ms VALUE, --seed VALUE, --json, --timeout VALUE, --progress VALUE, --help',
    ],
    [
      ["--rate"],
      {},
      "--rate needs a value",
    ],
    [
      ["--rate", "--json"],
      {},
      "--rate needs a value (one that starts with - is written --rate=VALUE)",
    ],
    [
      ["--rate", "1", "--rate=2"],
      {},
      "--rate is given twice: expected it at most once",
    ],
  ];
  for (const [args, env, message] of cases) rejects(args, env, message);
});

Deno.test("space-app loadgen: invalid flags exit 2 with one line; --help exits 0", async (t) => {
  const quiet = { OTEL_SDK_DISABLED: "true" };
  await t.step("a bad flag", async () => {
    const p = spawnService(["loadgen", "--rate", "fast"], quiet);
    assert.equal((await p.status).code, 2);
    assert.equal(
      p.stderr(),
      'space-app: --rate="fast" is invalid: expected a number from 0.001 to 100000 (per second)\n',
    );
    assert.deepEqual(p.lines, []);
  });
  await t.step("a bad variable", async () => {
    const p = spawnService(["loadgen"], { ...quiet, LOADGEN_WORK_MS: "x" });
    assert.equal((await p.status).code, 2);
    assert.match(p.stderr(), /^space-app: LOADGEN_WORK_MS="x" is invalid: /);
    assert.equal(p.stderr().trim().split("\n").length, 1);
  });
  await t.step("--help", async () => {
    const p = spawnService(["loadgen", "--help"], quiet);
    assert.equal((await p.status).code, 0);
    assert.match(p.lines.join("\n"), /^Usage: space-app loadgen/);
  });
  await t.step("the service's usage lists loadgen", async () => {
    const p = spawnService(["--help"], quiet);
    assert.equal((await p.status).code, 0);
    assert.match(p.lines.join("\n"), /space-app loadgen/);
  });
});
