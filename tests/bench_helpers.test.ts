/**
 * The bench's pure helpers: percentiles and medians, `/proc` parsing and
 * flag parsing.
 */
import assert from "node:assert/strict";
import { DEFAULT_JSON_PATH, FlagError, parseFlags } from "../bench/flags.ts";
import {
  parseCpuList,
  parseMachineStat,
  parseStat,
  parseStatus,
  readCpuTicks,
  readMemory,
} from "../bench/proc.ts";
import { median, percentile, ratio, round } from "../bench/stats.ts";
import { serviceDenoFlags } from "../bench/service.ts";
import { ROOT } from "./_helpers.ts";

Deno.test("percentile uses the nearest rank and ignores input order", () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(values, 50), 5);
  assert.equal(percentile(values, 90), 9);
  assert.equal(percentile(values, 99), 10);
  assert.equal(percentile(values, 100), 10);
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile(values, 101), RangeError);
  const many = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  assert.equal(percentile(many, 99), 990);
  assert.deepEqual(values, [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
});

Deno.test("median of odd and even counts; ratio and round keep NaN", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([-5, 10]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(ratio(3, 2), 1.5);
  assert.ok(Number.isNaN(ratio(1, 0)));
  assert.ok(Number.isNaN(ratio(NaN, 2)));
  assert.equal(round(1.26, 1), 1.3);
  assert.ok(Number.isNaN(round(NaN)));
});

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

Deno.test("/proc/stat: busy, interrupt, steal and idle ticks of the machine", () => {
  const stat = [
    "cpu  100 5 50 1000 20 3 7 11 0 0",
    "cpu0 50 2 25 500 10 1 3 5 0 0",
    "intr 12345",
  ].join("\n");
  assert.deepEqual(parseMachineStat(stat), {
    busy: 155,
    interrupts: 10,
    steal: 11,
    idle: 1020,
  });
  assert.throws(() => parseMachineStat("intr 1"), /no cpu line/);
});

Deno.test("CPU lists", () => {
  assert.deepEqual(parseCpuList("0-1"), [0, 1]);
  assert.deepEqual(parseCpuList("0,2-4,7\n"), [0, 2, 3, 4, 7]);
  assert.throws(() => parseCpuList("3-1"));
});

Deno.test("this process's own /proc figures are readable", () => {
  const cpu = readCpuTicks(Deno.pid);
  assert.ok(cpu.user >= 0 && cpu.system >= 0);
  const mem = readMemory(Deno.pid);
  assert.ok(mem.rss > 0 && mem.peak >= mem.rss);
});

Deno.test("flags: full defaults, smoke defaults, overrides in both spellings", () => {
  const full = parseFlags([]);
  assert.equal(full.help, false);
  if (full.help) return;
  assert.equal(full.options.smoke, false);
  assert.ok(full.options.pairs >= 3);
  assert.equal(full.options.connections, 50);
  assert.equal(full.options.memoryS, 60);
  assert.equal(full.options.jsonPath, DEFAULT_JSON_PATH);
  assert.equal(full.options.profileDir, undefined);

  const smoke = parseFlags(["--smoke", "--pairs=2", "--json", "/tmp/x.json"]);
  assert.equal(smoke.help, false);
  if (smoke.help) return;
  assert.equal(smoke.options.smoke, true);
  assert.equal(smoke.options.pairs, 2);
  assert.ok(smoke.options.durationS <= 3);
  assert.ok(smoke.options.memoryS <= 10);
  assert.equal(smoke.options.jsonPath, "/tmp/x.json");

  const other = parseFlags([
    "--duration",
    "5",
    "--memory-duration=0",
    "--profile",
    "/tmp/prof",
    "--no-wrk",
    "--rate",
    "200",
    "--ref",
    "HEAD~1",
  ]);
  if (other.help) throw new Error("unexpected help");
  assert.equal(other.options.durationS, 5);
  assert.equal(other.options.memoryS, 0);
  assert.equal(other.options.profileDir, "/tmp/prof");
  assert.equal(other.options.noWrk, true);
  assert.equal(other.options.rate, 200);
  assert.equal(other.options.ref, "HEAD~1");
  assert.equal(full.options.ref, undefined);
  assert.deepEqual(parseFlags(["--pairs", "2", "--help"]), { help: true });
});

Deno.test("flags: bad input is one line naming the flag, the value and what is allowed", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--pairs", "0"],
      /^bench: --pairs="0" is invalid: expected an integer from 1 to 20$/,
    ],
    [
      ["--duration=1.5"],
      /^bench: --duration="1.5" is invalid: expected an integer from 1 to 600$/,
    ],
    [
      ["--rate", "-3"],
      /^bench: --rate="-3" is invalid: expected an integer from 1 to 100000$/,
    ],
    [["--pairs"], /^bench: --pairs needs a value/],
    [["--json="], /^bench: --json="" is invalid: expected a non-empty path$/],
    [
      ["--smoke=yes"],
      /^bench: --smoke="yes" is invalid: --smoke takes no value$/,
    ],
    [
      ["--fast"],
      /^bench: unknown flag "--fast": expected one of --smoke, --pairs N, .*--help$/,
    ],
    [["extra"], /^bench: unknown flag "extra"/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseFlags(args), (e: unknown) => {
      assert.ok(e instanceof FlagError);
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
  assert.equal(
    `deno run ${flags.slice(2).join(" ")} main.ts serve`,
    start,
  );
});
