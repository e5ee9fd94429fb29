/**
 * The bench's pure helpers: `/proc` parsing, pinning, flags, the service's
 * Deno flags and the variant list.
 */
import assert from "node:assert/strict";
import { FlagError } from "../lib/flags.ts";
import { parseBenchFlags } from "../bench/main.ts";
import {
  measureCpu,
  parseCpuList,
  parseMachineBusy,
  parseStat,
  parseStatus,
  pinned,
  readCpuTicks,
  readMemory,
} from "../bench/proc.ts";
import { serviceDenoFlags } from "../bench/service.ts";
import { BASELINE, VARIANTS } from "../bench/variants.ts";
import { ROOT } from "./_helpers.ts";

Deno.test("/proc/<pid>/stat: utime and stime, even with ') ' in the name", () => {
  const stat =
    "4242 (deno) (x) R 1 4242 4242 0 -1 4194560 12345 0 0 0 731 129 0 0 20 0 9 0 1000 2000000000 30000 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 0 0 0 0 0 0";
  assert.deepEqual(parseStat(stat), { user: 731, system: 129, children: 0 });
  const withChildren = stat.replace(" 731 129 0 0 ", " 731 129 40 2 ");
  assert.deepEqual(parseStat(withChildren), {
    user: 731,
    system: 129,
    children: 42,
  });
  assert.throws(() => parseStat("garbage"), /no '\)'/);
  assert.throws(() => parseStat("1 (x) R 1 2"), /not integers/);
});

Deno.test("/proc/<pid>/status: VmRSS and VmHWM in kB", () => {
  const status = [
    "Name:\tdeno",
    "VmPeak:\t 1000000 kB",
    "VmHWM:\t   98304 kB",
    "VmRSS:\t   81920 kB",
    "Threads:\t9",
  ].join("\n");
  assert.deepEqual(parseStatus(status), { rss: 81920, peak: 98304 });
  assert.throws(() => parseStatus("Name:\tdeno"), /no VmRSS/);
});

Deno.test("/proc/stat: busy ticks of the machine; CPU lists", () => {
  const stat =
    "cpu  100 5 50 1000 20 3 7 11 0 0\ncpu0 50 2 25 500 10 1 3 5 0 0";
  assert.equal(parseMachineBusy(stat), 155);
  assert.throws(() => parseMachineBusy("intr 1"), /no cpu line/);
  assert.deepEqual(parseCpuList("0-1"), [0, 1]);
  assert.deepEqual(parseCpuList("0,2-4,7\n"), [0, 2, 3, 4, 7]);
  assert.throws(() => parseCpuList("3-1"));
});

Deno.test("this process's own /proc figures are readable; a CPU window", async () => {
  const cpu = readCpuTicks(Deno.pid);
  assert.ok(cpu.user >= 0 && cpu.system >= 0);
  const mem = readMemory(Deno.pid);
  assert.ok(mem.rss > 0 && mem.peak >= mem.rss);
  const [result, w] = await measureCpu(Deno.pid, 100, () => {
    const end = performance.now() + 50;
    while (performance.now() < end) { /* burn CPU */ }
    return Promise.resolve({ requests: 10 });
  });
  assert.equal(result.requests, 10);
  assert.ok(w.wallSeconds >= 0.05);
  assert.equal(w.usPerRequest, (w.cpuSeconds * 1e6) / 10);
  assert.ok(w.otherPct >= 0);
});

Deno.test("pinning prefixes taskset only when a core is chosen", () => {
  const on = { serverCpu: 0, loadCpu: 1, description: "" };
  assert.deepEqual(pinned(on, "server", ["deno"]), [
    "taskset",
    "-c",
    "0",
    "deno",
  ]);
  assert.deepEqual(pinned(on, "load", ["wrk"]), ["taskset", "-c", "1", "wrk"]);
  assert.deepEqual(pinned({ description: "off" }, "server", ["deno"]), [
    "deno",
  ]);
});

function options(args: string[]) {
  const parsed = parseBenchFlags(args);
  if (parsed.help) throw new Error("unexpected help");
  return parsed.options;
}

Deno.test("flags: full and smoke defaults, overrides, variants in run order", () => {
  const all = VARIANTS.map((v) => v.id);
  const full = options([]);
  assert.equal(full.smoke, false);
  assert.equal(full.rounds, 3);
  assert.equal(full.rate, 500);
  assert.equal(full.connections, 50);
  assert.deepEqual(full.variants, all);
  assert.equal(full.jsonPath, undefined);
  assert.equal(full.profileDir, undefined);

  const smoke = options(["--smoke", "--json", "/tmp/x.json"]);
  assert.equal(smoke.rounds, 1);
  assert.ok(smoke.durationS <= 2 && smoke.warmupS <= 1);
  assert.equal(smoke.jsonPath, "/tmp/x.json");

  const other = options([
    "--rounds=2",
    "--duration",
    "5",
    "--warmup",
    "0",
    "--rate",
    "200",
    "--variants",
    "fastapi, own,off",
    "--profile",
    "/tmp/prof",
    "--no-wrk",
  ]);
  assert.equal(other.rounds, 2);
  assert.equal(other.durationS, 5);
  assert.equal(other.warmupS, 0);
  assert.equal(other.rate, 200);
  assert.deepEqual(other.variants, ["own", "off", "fastapi"]);
  assert.equal(other.profileDir, "/tmp/prof");
  assert.equal(other.noWrk, true);
  assert.deepEqual(parseBenchFlags(["--rounds", "2", "--help"]), {
    help: true,
  });
});

Deno.test("flags: bad input is one line naming the flag, the value and what is allowed", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--rounds", "0"],
      /^--rounds="0" is invalid: expected an integer from 1 to 20$/,
    ],
    [["--duration=1.5"], /^--duration="1.5" is invalid: expected an integer/],
    [
      ["--rate", "x"],
      /^--rate="x" is invalid: expected an integer from 1 to 100000$/,
    ],
    [
      ["--variants", "own,nope"],
      /^--variants="own,nope" is invalid: unknown variant "nope": expected a comma-separated subset of own, sdk-exporter, off, hono, deno-otel, fastapi$/,
    ],
    [["--rounds"], /^--rounds needs a value/],
    [["--json="], /^--json needs a value$/],
    [["--smoke=yes"], /^--smoke takes no value$/],
    [
      ["--fast"],
      /^unknown argument "--fast": expected --smoke, --rounds VALUE, .*--help$/,
    ],
    [["extra"], /^unexpected argument "extra"/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseBenchFlags(args), (e: unknown) => {
      assert.ok(e instanceof FlagError, String(e));
      assert.match(e.message, message);
      assert.ok(!e.message.includes("\n"));
      return true;
    }, args.join(" "));
  }
});

Deno.test("the bench runs the service with the start task's flags", () => {
  const start = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks
    .start as string;
  const flags = serviceDenoFlags(ROOT);
  assert.deepEqual(flags.slice(0, 2), ["--quiet", "--frozen"]);
  assert.ok(flags.includes("-P=service"));
  assert.equal(`deno run ${flags.slice(2).join(" ")} main.ts serve`, start);
});

Deno.test("variants: unique ids, the baseline and the targets' variants present, Deno ones with the service's flags", async () => {
  const ids = VARIANTS.map((v) => v.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of [BASELINE, "own", "fastapi"]) assert.ok(ids.includes(id));
  const ctx = { codeDir: ROOT, smoke: true, progress: () => {} };
  for (const id of ["own", "sdk-exporter", "off", "hono", "deno-otel"]) {
    const v = VARIANTS.find((x) => x.id === id)!;
    const command = await v.prepare(ctx);
    const argv = command.argv(1234);
    assert.equal(argv[0], Deno.execPath());
    assert.deepEqual(argv.slice(2, -1).filter((a) => a.startsWith("-")), [
      ...serviceDenoFlags(ROOT),
    ]);
    assert.equal(command.cwd, ROOT);
  }
  const env = (id: string) =>
    VARIANTS.find((v) => v.id === id)!.env("http://sink");
  assert.equal(env("own").OTEL_EXPORTER_OTLP_ENDPOINT, "http://sink");
  assert.equal(env("sdk-exporter").SPACE_APP_OTLP_EXPORTER, "sdk");
  assert.equal(env("deno-otel").OTEL_DENO, "true");
  assert.equal(env("off").OTEL_SDK_DISABLED, "true");
  assert.equal(env("fastapi").OTEL_EXPORTER_OTLP_ENDPOINT, "http://sink");
});
