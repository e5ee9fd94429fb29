/**
 * The stack test's command line and its skip path: flags, exit codes, and
 * what happens when no container engine or cluster answers, with a fake
 * command runner (no docker or kubectl is ever run).
 */
import assert from "node:assert/strict";
import {
  type CommandOptions,
  type CommandResult,
  type CommandRunner,
  denoRunner,
} from "../stack/commands.ts";
import { detectEngine } from "../stack/compose.ts";
import { FlagError, parseFlags } from "../stack/flags.ts";
import { detectCluster } from "../stack/k8s.ts";
import { main } from "../stack/main.ts";
import { COMPOSE_FILES } from "../stack/targets.ts";

/** A runner answering `output` from a table keyed by the joined argv. */
function fakeRunner(
  table: Record<string, Partial<CommandResult>>,
): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  const result = (argv: readonly string[]): CommandResult => {
    const key = argv.join(" ");
    calls.push(key);
    const found = table[key];
    if (!found) throw new Error(`unexpected command: ${key}`);
    return { code: 0, stdout: "", stderr: "", ...found };
  };
  return {
    calls,
    output: (argv: readonly string[], _options?: CommandOptions) =>
      Promise.resolve(result(argv)),
    inherit: (argv: readonly string[]) => Promise.resolve(result(argv).code),
    spawn: (argv: readonly string[]) => {
      throw new Error(`unexpected spawn: ${argv.join(" ")}`);
    },
  };
}

const DOCKER_INFO = "docker info --format {{.ServerVersion}}";
const COMPOSE_VERSION = "docker compose version --short";
const DAEMON_DOWN =
  "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?";

async function runMain(args: string[], runner: CommandRunner) {
  const lines: string[] = [];
  const code = await main(args, {
    runner,
    print: (line) => lines.push(line),
    fetch: () => Promise.reject(new Error("no network in this test")),
  });
  return { code, lines };
}

Deno.test("flags: modes, --require, --keep, --timeout in both spellings", () => {
  assert.deepEqual(parseFlags(["compose"]), {
    help: false,
    options: {
      mode: "compose",
      require: false,
      keep: false,
      timeoutS: undefined,
    },
  });
  assert.deepEqual(
    parseFlags(["k8s", "--require", "--keep", "--timeout", "90"]),
    {
      help: false,
      options: { mode: "k8s", require: true, keep: true, timeoutS: 90 },
    },
  );
  assert.deepEqual(
    parseFlags(["--timeout=600", "compose"]),
    {
      help: false,
      options: { mode: "compose", require: false, keep: false, timeoutS: 600 },
    },
  );
  assert.deepEqual(parseFlags(["compose", "--help"]), { help: true });
  assert.deepEqual(parseFlags(["-h"]), { help: true });
});

Deno.test("flags: each bad command line is one line naming the problem", () => {
  const cases: [string[], string][] = [
    [
      ["compose", "--bogus"],
      "stack: unknown flag --bogus (flags: --require, --keep, --timeout S, --help)",
    ],
    [["swarm"], 'stack: unknown mode "swarm": expected compose or k8s'],
    [[], "stack: missing mode: expected compose or k8s"],
    [["--require"], "stack: missing mode: expected compose or k8s"],
    [
      ["compose", "k8s"],
      "stack: k8s given after compose: choose one of compose, k8s",
    ],
    [
      ["compose", "--timeout"],
      "stack: --timeout needs a value: seconds from 1 to 3600",
    ],
    [
      ["compose", "--timeout", "0"],
      'stack: --timeout="0" is invalid: expected seconds from 1 to 3600',
    ],
    [
      ["compose", "--timeout=1.5"],
      'stack: --timeout="1.5" is invalid: expected seconds from 1 to 3600',
    ],
    [["compose", "--keep=yes"], 'stack: --keep takes no value (got "yes")'],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseFlags(args),
      (e: unknown) => e instanceof FlagError && e.message === message,
      args.join(" "),
    );
  }
});

Deno.test("main: a bad flag exits 2 with one line, before running anything", async () => {
  const runner = fakeRunner({});
  const errors: string[] = [];
  const code = await main(
    ["compose", "--bogus"],
    { runner },
    (line) => errors.push(line),
  );
  assert.equal(code, 2);
  assert.deepEqual(errors, [
    "stack: unknown flag --bogus (flags: --require, --keep, --timeout S, --help)",
  ]);
  assert.deepEqual(runner.calls, []);
});

Deno.test("engine: docker missing, daemon down, hung, compose plugin missing, present", async () => {
  assert.deepEqual(
    await detectEngine(
      fakeRunner({ [DOCKER_INFO]: { code: 127, notFound: true } }),
    ),
    { ok: false, reason: "docker is not installed (not on PATH)" },
  );
  assert.deepEqual(
    await detectEngine(fakeRunner({
      [DOCKER_INFO]: { code: 1, stderr: `${DAEMON_DOWN}\n` },
    })),
    {
      ok: false,
      reason: `no container engine answers: docker info: ${DAEMON_DOWN}`,
    },
  );
  assert.deepEqual(
    await detectEngine(
      fakeRunner({ [DOCKER_INFO]: { code: 124, timedOut: true } }),
      15_000,
    ),
    { ok: false, reason: "docker info did not answer within 15 s" },
  );
  assert.deepEqual(
    await detectEngine(fakeRunner({
      [DOCKER_INFO]: { stdout: "28.2.2\n" },
      [COMPOSE_VERSION]: {
        code: 1,
        stderr:
          "docker: unknown command: docker compose\n\nRun 'docker --help'",
      },
    })),
    {
      ok: false,
      reason:
        "the Docker Compose plugin is missing: docker compose version: docker: unknown command: docker compose",
    },
  );
  assert.deepEqual(
    await detectEngine(fakeRunner({
      [DOCKER_INFO]: { stdout: "28.2.2\n" },
      [COMPOSE_VERSION]: { stdout: "2.39.1\n" },
    })),
    { ok: true, detail: "docker engine 28.2.2, compose 2.39.1" },
  );
});

Deno.test("compose: no engine prints why and exits 0; --require exits 1", async () => {
  const table = { [DOCKER_INFO]: { code: 1, stderr: DAEMON_DOWN } };
  const skipped = await runMain(["compose"], fakeRunner(table));
  assert.equal(skipped.code, 0);
  assert.deepEqual(skipped.lines, [
    `stack test skipped: no container engine answers: docker info: ${DAEMON_DOWN}`,
    "(pass --require to make a missing engine or cluster a failure)",
  ]);
  const required = await runMain(["compose", "--require"], fakeRunner(table));
  assert.equal(required.code, 1);
  assert.deepEqual(required.lines, [
    `✘ stack test not run: no container engine answers: docker info: ${DAEMON_DOWN} (--require makes this a failure)`,
  ]);
});

Deno.test("compose: with an engine but no generated compose file, exit 1 naming it", async () => {
  const runner = fakeRunner({
    [DOCKER_INFO]: { stdout: "28.2.2" },
    [COMPOSE_VERSION]: { stdout: "2.39.1" },
  });
  const lines: string[] = [];
  const code = await main(["compose"], {
    runner,
    print: (line) => lines.push(line),
    root: Deno.makeTempDirSync(),
  });
  assert.equal(code, 1);
  assert.equal(lines[0], "engine: docker engine 28.2.2, compose 2.39.1");
  assert.equal(
    lines[1],
    `✘ no Compose file (looked for ${
      COMPOSE_FILES.join(", ")
    }): run \`deno task gen\` to write deploy/`,
  );
  assert.ok(!runner.calls.some((c) => c.includes(" up ")), "never brought up");
});

Deno.test("k8s: no kubectl, no context, unreachable cluster; skip and --require", async () => {
  assert.deepEqual(
    await detectCluster(fakeRunner({
      "kubectl config current-context": { code: 127, notFound: true },
    })),
    { ok: false, reason: "kubectl is not installed (not on PATH)" },
  );
  const noContext = {
    "kubectl config current-context": {
      code: 1,
      stderr: "error: current-context is not set\n",
    },
  };
  assert.deepEqual(await detectCluster(fakeRunner(noContext)), {
    ok: false,
    reason: "no current kubeconfig context: error: current-context is not set",
  });
  const unreachable = {
    "kubectl config current-context": { stdout: "kind-space\n" },
    "kubectl cluster-info --request-timeout=10s": {
      code: 1,
      stderr:
        "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\nThe connection to the server 127.0.0.1:40213 was refused - did you specify the right host or port?\n",
    },
  };
  const reason =
    'the cluster of context "kind-space" does not answer: The connection to the server 127.0.0.1:40213 was refused - did you specify the right host or port?';
  assert.deepEqual(await detectCluster(fakeRunner(unreachable)), {
    ok: false,
    reason,
  });
  const skipped = await runMain(["k8s"], fakeRunner(unreachable));
  assert.equal(skipped.code, 0);
  assert.equal(skipped.lines[0], `stack test skipped: ${reason}`);
  const required = await runMain(["k8s", "--require"], fakeRunner(unreachable));
  assert.equal(required.code, 1);
  assert.match(required.lines[0], /^✘ stack test not run: the cluster/);
});

Deno.test("real runner: output, a missing program, a timeout that a grandchild cannot stretch", async () => {
  const ok = await denoRunner.output([
    "sh",
    "-c",
    "echo out; echo err >&2; exit 3",
  ]);
  assert.deepEqual(ok, { code: 3, stdout: "out\n", stderr: "err\n" });
  const missing = await denoRunner.output([
    "no-such-program-for-the-stack-test",
  ]);
  assert.equal(missing.notFound, true);
  assert.equal(missing.code, 127);
  const start = performance.now();
  const hung = await denoRunner.output(
    ["sh", "-c", "echo started; sleep 2 & wait"],
    { timeoutMs: 300 },
  );
  assert.ok(performance.now() - start < 1_500, "returned at the timeout");
  assert.equal(hung.timedOut, true);
  assert.equal(hung.code, 124);
  assert.equal(hung.stdout, "started\n");
});
