/**
 * One binary, one image: the compile step, its permission set, its module
 * graph, and the Dockerfile that builds it.
 */
import assert from "node:assert/strict";
import { APP_USER } from "../gen/components/app.ts";
import { ROOT } from "./_helpers.ts";

const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));

const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);

/** Dockerfile instructions with continuation lines joined. */
function instructions(text: string): { op: string; args: string }[] {
  return text.replace(/\\\n/g, " ").split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

const steps = instructions(dockerfile);
const args = Object.fromEntries(
  steps.filter((s) => s.op === "ARG" && s.args.includes("=")).map((s) =>
    s.args.split("=", 2)
  ),
);
const expand = (text: string) =>
  text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? "");

/** Tasks that run (or build) the service binary: one set of runtime flags. */
const RUNTIME_TASKS = ["dev", "start", "loadgen", "compile"];

Deno.test("dev, start, loadgen and compile share one permission set and never use -A", () => {
  const set = denoJson.permissions?.service;
  assert.ok(set, "deno.json defines permissions.service");
  assert.equal(set.all, undefined);
  assert.equal(set.net, true);
  assert.deepEqual(set.sys, ["hostname"]);
  assert.ok(
    Array.isArray(set.env) && set.env.length > 0,
    "env is an allow list",
  );
  for (const task of RUNTIME_TASKS) {
    const command: string = denoJson.tasks[task];
    assert.match(command, /(^|\s)-P=service(\s|$)/, `${task} uses -P=service`);
    assert.doesNotMatch(
      command,
      /(^|\s)(-A|--allow-all|--allow-\w+)(\s|=|$)/,
      `${task} adds no other permission`,
    );
  }
});

Deno.test("dev, start, loadgen and compile run with the same V8 flags", () => {
  const v8Flags = (task: string) =>
    String(denoJson.tasks[task]).split(/\s+/).filter((a) =>
      a.startsWith("--v8-flags=")
    );
  const start = v8Flags("start");
  assert.equal(start.length, 1, "start sets --v8-flags once");
  for (const task of RUNTIME_TASKS) {
    assert.deepEqual(v8Flags(task), start, `${task}'s V8 flags`);
  }
});

Deno.test("the binary's module graph has no gen/, tests/ or bench/ code", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  assert.ok(out.success);
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const local = info.modules.map((m: { specifier: string }) => m.specifier)
    .filter((s: string) => s.startsWith("file://"))
    .map((s: string) => s.slice(`file://${ROOT}`.length));
  assert.ok(local.includes("main.ts"));
  for (const path of local) {
    assert.doesNotMatch(
      path,
      /^(gen|tests|bench|deploy)\//,
      `${path} is in the binary's graph`,
    );
  }
  const npm = info.modules.map((m: { specifier: string }) => m.specifier)
    .filter((s: string) => s.startsWith("npm:"));
  assert.ok(
    npm.some((s: string) => s.startsWith("npm:/hono@")),
    "npm modules are listed",
  );
  assert.ok(
    !npm.some((s: string) => s.startsWith("npm:/yaml@")),
    "yaml (gen only) is not in the graph",
  );
});

Deno.test("deno compile succeeds with the compile task's flags", async () => {
  // Deno's runtime download host is unreachable here, so DENORT_BIN points at
  // the deno executable itself: the output bundles our code and npm packages
  // but starts the plain deno CLI, so only the compile step can be checked.
  const dir = await Deno.makeTempDir();
  try {
    const task: string = denoJson.tasks.compile;
    const taskArgs = task.split(/\s+/).slice(1).map((a) =>
      a.startsWith("--output=") ? `--output=${dir}/space-app` : a
    );
    assert.equal(taskArgs[0], "compile");
    const out = await new Deno.Command(Deno.execPath(), {
      args: taskArgs,
      cwd: ROOT,
      env: { DENORT_BIN: Deno.execPath() },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const stat = await Deno.stat(`${dir}/space-app`);
    assert.ok(stat.isFile && stat.size > 1_000_000);
    assert.ok((stat.mode ?? 0) & 0o111, "the output is executable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Dockerfile: multi-stage, pinned bases, CI's Deno, frozen lockfile", () => {
  const froms = steps.filter((s) => s.op === "FROM").map((s) =>
    expand(s.args.split(/\s+/)[0])
  );
  assert.ok(froms.length >= 2, "multi-stage");
  for (const image of froms) {
    const tagged = /^[\w./-]+:[\w.-]+(@sha256:[0-9a-f]{64})?$/.test(image) ||
      /^[\w./-]+@sha256:[0-9a-f]{64}$/.test(image);
    assert.ok(tagged, `${image} is pinned`);
    assert.doesNotMatch(image, /:latest(@|$)/, `${image} is not :latest`);
  }
  assert.equal(
    froms[0],
    `denoland/deno:${Deno.version.deno}`,
    "build image = the Deno running CI",
  );
  const runs = steps.filter((s) => s.op === "RUN").map((s) => s.args);
  assert.ok(
    runs.some((r) => /deno install --frozen --entrypoint main\.ts/.test(r)),
    "only the service's dependencies, from the lockfile",
  );
  assert.doesNotMatch(
    froms.at(-1)!,
    /debian12/,
    "distroless Debian 12 is past its end of life (September 2026)",
  );
  assert.ok(
    runs.some((r) => /deno task compile/.test(r)),
    "compiled by the compile task",
  );
});

Deno.test("Dockerfile: the runtime stage runs the binary as non-root with a binary health check", () => {
  const lastFrom = steps.findLastIndex((s) => s.op === "FROM");
  const runtime = steps.slice(lastFrom);
  const user = runtime.find((s) => s.op === "USER")?.args;
  assert.ok(user, "USER is set");
  const app = APP_USER;
  assert.equal(
    user,
    `${app.uid}:${app.gid}`,
    "numeric (runAsNonRoot needs one), the uid the manifests run as",
  );
  assert.ok(
    runtime.some((s) => s.op === "ENV" && s.args === "DENO_USE_CGROUPS=1"),
    "V8's heap follows the container's memory limit",
  );
  assert.ok(runtime.some((s) => s.op === "EXPOSE" && s.args === "8000"));
  assert.equal(
    runtime.find((s) => s.op === "ENTRYPOINT")?.args,
    '["/app/space-app"]',
  );
  const health = runtime.find((s) => s.op === "HEALTHCHECK")?.args ?? "";
  assert.match(health, /CMD \["\/app\/space-app", "healthcheck"\]/);
  assert.ok(
    runtime.some((s) => s.op === "COPY" && s.args.includes("/app/space-app")),
  );
});

Deno.test(".dockerignore keeps tests, deploy and .git out of the context", async () => {
  const ignored = (await Deno.readTextFile(`${ROOT}.dockerignore`)).split("\n")
    .map((l) => l.trim());
  for (const entry of [".git", "tests", "deploy", "gen"]) {
    assert.ok(ignored.includes(entry), entry);
  }
});

Deno.test(".ci/run installs the Deno version the Dockerfile names", async () => {
  const ci = await Deno.readTextFile(`${ROOT}.ci/run`);
  assert.match(ci, /sed -n 's\/\^ARG DENO_VERSION=\/\/p' Dockerfile/);
  assert.equal(args.DENO_VERSION, Deno.version.deno);
});
