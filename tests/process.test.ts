/**
 * The real service process: command line, start-up errors, health check,
 * graceful shutdown and non-blocking work.
 */
import assert from "node:assert/strict";
import { freePort, getJson, spawnService, waitForHttp } from "./_helpers.ts";
import { VERSION } from "../version.ts";

const QUIET = { OTEL_SDK_DISABLED: "true" };

Deno.test("--help, --version and an unknown command", async (t) => {
  await t.step("--help prints usage and exits 0", async () => {
    const p = spawnService(["--help"], QUIET);
    const status = await p.status;
    assert.equal(status.code, 0);
    assert.match(p.lines.join("\n"), /Usage:/);
  });
  await t.step("--version prints the version", async () => {
    const p = spawnService(["--version"], QUIET);
    assert.equal((await p.status).code, 0);
    assert.deepEqual(p.lines, [VERSION]);
  });
  await t.step("an unknown command prints usage and exits 2", async () => {
    const p = spawnService(["frobnicate"], QUIET);
    assert.equal((await p.status).code, 2);
    assert.match(p.stderr(), /unknown command "frobnicate"/);
    assert.match(p.stderr(), /Usage:/);
  });
});

Deno.test("a bad environment value stops start-up with exit 2 and one line", async (t) => {
  const cases: [Record<string, string>, string][] = [
    [
      { PORT: "abc" },
      'space-app: PORT="abc" is invalid: expected an integer from 1 to 65535',
    ],
    [
      { PORT: "70000" },
      'space-app: PORT="70000" is invalid: expected an integer from 1 to 65535',
    ],
    [
      { MAX_WORK_MS: "-5" },
      'space-app: MAX_WORK_MS="-5" is invalid: expected an integer from 0 to 3600000',
    ],
    [
      { HOST: "http://x" },
      'space-app: HOST="http://x" is invalid: expected a hostname or IP address such as 0.0.0.0 or 127.0.0.1',
    ],
    [
      { OTEL_TRACES_SAMPLER: "sometimes" },
      'space-app: OTEL_TRACES_SAMPLER="sometimes" is invalid: expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
    ],
  ];
  for (const [env, expected] of cases) {
    await t.step(
      Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" "),
      async () => {
        const port = env.PORT ? 0 : freePort();
        const p = spawnService(["serve"], env, port);
        const status = await p.status;
        assert.equal(status.code, 2);
        assert.equal(p.stderr().trim(), expected);
        assert.equal(p.lines.length, 0);
      },
    );
  }
});

Deno.test("healthcheck subcommand: 0 when healthy, 1 when nothing answers", async () => {
  const service = spawnService(["serve"], QUIET);
  try {
    await waitForHttp(`${service.base}/healthz`);
    const ok = spawnService(["healthcheck"], QUIET, service.port);
    assert.equal((await ok.status).code, 0);
    assert.match(ok.lines.join("\n"), /healthy: .*answered 200/);
    const down = spawnService(["healthcheck"], QUIET, freePort());
    assert.equal((await down.status).code, 1);
    assert.match(down.stderr(), /unhealthy: .*did not answer/);
  } finally {
    service.child.kill("SIGTERM");
    await service.status;
  }
});

Deno.test("SIGTERM drains: in-flight work completes, /readyz says 503, exit 0", async () => {
  const service = spawnService(["serve"], {
    ...QUIET,
    SHUTDOWN_DRAIN_MS: "700",
  });
  await waitForHttp(`${service.base}/healthz`);
  assert.equal((await getJson(`${service.base}/readyz`)).status, 200);

  const inFlight = getJson(`${service.base}/work?ms=500`);
  await new Promise((r) => setTimeout(r, 100));
  service.child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 50));

  const ready = await getJson(`${service.base}/readyz`);
  assert.equal(ready.status, 503);
  assert.deepEqual(ready.body, { status: "draining" });

  const work = await inFlight;
  assert.equal(work.status, 200);
  assert.equal((work.body as { work_ms: number }).work_ms, 500);

  // After the drain window the listener is closed: new connections are refused.
  await new Promise((r) => setTimeout(r, 900));
  await assert.rejects(fetch(`${service.base}/healthz`));

  const status = await service.status;
  assert.equal(status.code, 0);
  const messages = service.records().map((r) => r.msg);
  assert.ok(messages.includes("shutdown started"));
  assert.ok(messages.includes("shutdown complete"));
});

Deno.test("SIGINT skips the drain window and exits 0", async () => {
  const service = spawnService(["serve"], {
    ...QUIET,
    SHUTDOWN_DRAIN_MS: "5000",
  });
  await waitForHttp(`${service.base}/healthz`);
  const started = performance.now();
  service.child.kill("SIGINT");
  assert.equal((await service.status).code, 0);
  assert.ok(
    performance.now() - started < 4000,
    "SIGINT waited for the drain window",
  );
});

Deno.test("100 concurrent /work?ms=200 complete together (non-blocking)", async () => {
  const service = spawnService(["serve"], QUIET);
  try {
    await waitForHttp(`${service.base}/healthz`);
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 100 }, () => getJson(`${service.base}/work?ms=200`)),
    );
    const elapsed = performance.now() - started;
    assert.ok(results.every((r) => r.status === 200));
    // Serial sleeping would take 20 s; a generous bound, not a speed test.
    assert.ok(elapsed < 1500, `took ${Math.round(elapsed)} ms`);
  } finally {
    service.child.kill("SIGTERM");
    await service.status;
  }
});

Deno.test("a repeated SIGTERM changes nothing; a second Ctrl-C exits at once with 1", async (t) => {
  await t.step("SIGTERM twice: still a clean drain, exit 0", async () => {
    const service = spawnService(["serve"], {
      ...QUIET,
      SHUTDOWN_DRAIN_MS: "300",
    });
    await waitForHttp(`${service.base}/healthz`);
    service.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 50));
    service.child.kill("SIGTERM");
    assert.equal((await service.status).code, 0);
  });
  await t.step("SIGINT during a drain: exit 1 without waiting", async () => {
    const service = spawnService(["serve"], {
      ...QUIET,
      SHUTDOWN_DRAIN_MS: "5000",
    });
    await waitForHttp(`${service.base}/healthz`);
    service.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    service.child.kill("SIGINT");
    assert.equal((await service.status).code, 1);
    assert.ok(performance.now() - started < 2000);
    assert.ok(
      service.records().some((l) =>
        l.msg === "second interrupt: exiting without finishing"
      ),
    );
  });
});
