/**
 * The FastAPI benchmark peer (bench/peers/): the pure parts (cache
 * directory, cache key, uvicorn command line, the lock file's shape), and
 * one end-to-end run of the real peer against an in-test OTLP/HTTP sink.
 * The end-to-end test needs the peer's venv already built
 * (`deno run -A bench/peers/python.ts`) and is skipped, saying so, without it.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  defaultPeersCacheDir,
  ensureFastapiPeer,
  FASTAPI_APP_DIR,
  FASTAPI_LOCK,
  type FastapiPeer,
  findFastapiPeer,
  peerCacheKey,
  PYTHON_MISSING,
  uvicornArgv,
} from "../bench/peers/python.ts";
import { countProtobuf } from "../bench/otlp_sink.ts";
import { fields, messages, WireType } from "../lib/protobuf.ts";
import { printErr } from "../lib/output.ts";
import { freePort, lookupEnv } from "../lib/process.ts";

function envOf(vars: Record<string, string>) {
  return (name: string) => vars[name];
}

Deno.test("peers cache dir: SPACE_APP_CACHE, then XDG_CACHE_HOME, then HOME/.cache", () => {
  assert.equal(
    defaultPeersCacheDir(envOf({
      SPACE_APP_CACHE: "/var/cache/sa",
      XDG_CACHE_HOME: "/x",
      HOME: "/h",
    })),
    "/var/cache/sa/space-app/peers",
  );
  assert.equal(
    defaultPeersCacheDir(envOf({ XDG_CACHE_HOME: "/x", HOME: "/h" })),
    "/x/space-app/peers",
  );
  assert.equal(
    defaultPeersCacheDir(envOf({ XDG_CACHE_HOME: "", HOME: "/h" })),
    "/h/.cache/space-app/peers",
  );
  assert.throws(() => defaultPeersCacheDir(envOf({})), /SPACE_APP_CACHE/);
});

Deno.test("peer cache key: 12 hex, stable, changes with the lock and with the Python version", async () => {
  const lock = "fastapi==1.0.0 \\\n    --hash=sha256:aa\n";
  const key = await peerCacheKey(lock, "CPython 3.11.7");
  assert.match(key, /^[0-9a-f]{12}$/);
  assert.equal(await peerCacheKey(lock, "CPython 3.11.7"), key);
  assert.equal(
    await peerCacheKey(new TextEncoder().encode(lock), "CPython 3.11.7"),
    key,
  );
  assert.notEqual(
    await peerCacheKey(lock.replace("1.0.0", "1.0.1"), "CPython 3.11.7"),
    key,
  );
  assert.notEqual(await peerCacheKey(lock, "CPython 3.12.1"), key);
  // Bytes moved from one part to the other still change the key.
  assert.notEqual(
    await peerCacheKey("ab", "c"),
    await peerCacheKey("a", "bc"),
  );
});

Deno.test("uvicorn argv: the venv's python runs uvicorn on 127.0.0.1:<port>, one worker, no access log", () => {
  assert.deepEqual(uvicornArgv("/v/bin/python", "/app", 8123), [
    "/v/bin/python",
    "-m",
    "uvicorn",
    "app:app",
    "--app-dir",
    "/app",
    "--host",
    "127.0.0.1",
    "--port",
    "8123",
    "--no-access-log",
    "--log-level",
    "warning",
  ]);
  assert.throws(() => uvicornArgv("/v/bin/python", "/app", 0), /port/);
  assert.throws(() => uvicornArgv("/v/bin/python", "/app", 70000), /port/);
});

Deno.test("peer files: app.py beside an exactly pinned, fully hashed lock covering requirements.in", () => {
  assert.ok(Deno.statSync(path.join(FASTAPI_APP_DIR, "app.py")).isFile);
  const lock = Deno.readTextFileSync(FASTAPI_LOCK);
  assert.match(lock, /^# .*\n(#.*\n)*.*lock\.sh/, "header says how to refresh");
  // One entry per package: "name==version \" then its hash lines.
  const entries = lock.split(/\n(?=[a-z0-9])/i).filter((e) =>
    !e.startsWith("#")
  );
  const pinned = new Map<string, string>();
  for (const entry of entries) {
    const m = /^([A-Za-z0-9._-]+)==(\S+) \\\n/.exec(entry);
    assert.ok(m, `not an exact pin: ${entry.split("\n")[0]}`);
    assert.match(entry, /--hash=sha256:[0-9a-f]{64}/, `${m[1]} has no hash`);
    pinned.set(m[1].toLowerCase(), m[2]);
  }
  const wanted = Deno.readTextFileSync(
    path.join(FASTAPI_APP_DIR, "requirements.in"),
  ).split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean)
    .map((l) => l.replace(/\[.*\]$/, "").toLowerCase());
  for (const name of wanted) assert.ok(pinned.has(name), `${name} not pinned`);
  // The transport extras of uvicorn[standard] are pinned too.
  for (const name of ["uvloop", "httptools"]) {
    assert.ok(pinned.has(name), `${name} not pinned`);
  }
});

Deno.test("ensureFastapiPeer without python3 on PATH: a one-line error", async () => {
  const emptyDir = await Deno.makeTempDir();
  const savedPath = Deno.env.get("PATH");
  Deno.env.set("PATH", emptyDir);
  try {
    await assert.rejects(
      ensureFastapiPeer({ cacheDir: path.join(emptyDir, "cache") }),
      (error: Error) => {
        assert.equal(error.message, PYTHON_MISSING);
        assert.ok(!error.message.includes("\n"));
        return true;
      },
    );
  } finally {
    if (savedPath === undefined) Deno.env.delete("PATH");
    else Deno.env.set("PATH", savedPath);
    await Deno.remove(emptyDir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------
// End to end: the real peer exporting to an in-test OTLP/HTTP sink.

interface Received {
  path: string;
  method: string;
  contentType: string;
  body: Uint8Array;
  /** performance.now() when it arrived. */
  at: number;
}

function startRecordingSink(): Promise<{
  endpoint: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) =>
        resolve({
          endpoint: `http://127.0.0.1:${port}`,
          received,
          close: () => server.shutdown(),
        }),
    }, async (request) => {
      received.push({
        path: new URL(request.url).pathname,
        method: request.method,
        contentType: request.headers.get("content-type") ?? "",
        body: new Uint8Array(await request.arrayBuffer()),
        at: performance.now(),
      });
      // An empty Export*ServiceResponse in protobuf.
      return new Response(new Uint8Array(0), {
        headers: { "content-type": "application/x-protobuf" },
      });
    });
  });
}

/** Metric names in a protobuf ExportMetricsServiceRequest. */
function metricNames(body: Uint8Array): string[] {
  const names: string[] = [];
  for (const resource of messages(body, 1)) {
    for (const scope of messages(resource, 2)) {
      for (const metric of messages(scope, 2)) {
        for (const f of fields(metric)) {
          if (f.number === 1 && f.wireType === WireType.LEN) {
            names.push(new TextDecoder().decode(f.bytes));
          }
        }
      }
    }
  }
  return names;
}

/** A running peer process. */
interface PeerProcess {
  readonly base: string;
  /** SIGTERM, then its exit (SIGKILL after 20 s); `from`/`to` bracket the stop. */
  stop(): Promise<
    { code: number; signal: Deno.Signal | null; from: number; to: number }
  >;
  /** Everything it wrote, once it has exited. */
  output(): Promise<{ stdout: string; stderr: string }>;
}

/** Starts the peer with only {@link lookupEnv} and `env`, and waits until it listens. */
async function startPeer(
  peer: FastapiPeer,
  env: Record<string, string>,
): Promise<PeerProcess> {
  const port = freePort();
  const [program, ...args] = peer.argv(port);
  const child = new Deno.Command(program, {
    args,
    clearEnv: true,
    env: { ...lookupEnv(), ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const stderr = new Response(child.stderr).text();
  let status: Deno.CommandStatus | undefined;
  const exited = child.status.then((s) => (status = s));
  const output = async () => ({ stdout: await stdout, stderr: await stderr });
  const stop = async () => {
    const from = performance.now();
    if (status === undefined) child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (status === undefined) child.kill("SIGKILL");
    }, 20_000);
    const s = await exited;
    clearTimeout(timer);
    return { code: s.code, signal: s.signal, from, to: performance.now() };
  };
  // Ready once it accepts connections (no request, so no extra telemetry).
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (status !== undefined) {
      const { stderr } = await output();
      throw new Error(`peer exited ${status.code} at start\n${stderr}`);
    }
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error("peer did not listen within 30 s");
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { base: `http://127.0.0.1:${port}`, stop, output };
}

/**
 * After its graceful shutdown uvicorn restores the default handler and
 * raises the signal it caught again, so "killed by SIGTERM" is its normal
 * end.
 */
function assertStoppedBySigterm(
  result: { code: number; signal: Deno.Signal | null },
  stderr: string,
) {
  assert.ok(
    result.code === 0 || result.signal === "SIGTERM",
    `peer exit ${result.code} (${result.signal})\n${stderr}`,
  );
}

const peer: FastapiPeer | undefined = await findFastapiPeer();
if (!peer) {
  printErr(
    "skipping the FastAPI peer's end-to-end tests: its venv is not built for this lock and python3 (build it: deno run -A bench/peers/python.ts)",
  );
}

Deno.test({
  name:
    "fastapi peer end to end: routes answer, OTLP/HTTP protobuf exports of all three signals, flush on SIGTERM",
  ignore: peer === undefined,
  fn: async () => {
    const sink = await startRecordingSink();
    let proc: PeerProcess | undefined;
    try {
      proc = await startPeer(peer!, {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_METRIC_EXPORT_INTERVAL: "1000",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_BLRP_SCHEDULE_DELAY: "100",
      });
      const base = proc.base;

      let res = await fetch(`${base}/`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        ok: true,
        msg: "Hello from space-app",
      });

      res = await fetch(`${base}/work?ms=5`);
      assert.equal(res.status, 200);
      const work = await res.json();
      assert.equal(work.ok, true);
      assert.equal(work.work_ms, 5);
      assert.equal(typeof work.latency_ms, "number");
      assert.ok(work.latency_ms >= 4 && work.latency_ms < 5_000, work);

      res = await fetch(`${base}/error`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { detail: "boom" });

      // Out of range: FastAPI's own validation answer.
      res = await fetch(`${base}/work?ms=10001`);
      assert.equal(res.status, 422);
      await res.body?.cancel();

      const stopped = await proc.stop();
      const { stdout, stderr } = await proc.output();
      assertStoppedBySigterm(stopped, stderr);

      const byPath = (p: string) => sink.received.filter((r) => r.path === p);
      const signals = ["/v1/traces", "/v1/logs", "/v1/metrics"];
      for (const p of signals) {
        const got = byPath(p);
        assert.ok(got.length > 0, `no POST on ${p}`);
        for (const r of got) {
          assert.equal(r.method, "POST");
          assert.equal(r.contentType, "application/x-protobuf", p);
        }
      }
      assert.deepEqual(
        sink.received.filter((r) => !signals.includes(r.path)).map((r) =>
          r.path
        ),
        [],
      );

      const spans = new Map<string, number>();
      for (const r of byPath("/v1/traces")) {
        for (
          const [name, n] of Object.entries(
            countProtobuf("traces", r.body).spanNames,
          )
        ) {
          spans.set(name, (spans.get(name) ?? 0) + n);
        }
      }
      for (const name of ["root-handler", "compute", "boom", "GET /"]) {
        assert.ok(spans.has(name), `no ${name} span in ${[...spans.keys()]}`);
      }
      assert.ok(
        new TextDecoder().decode(byPath("/v1/traces")[0].body).includes(
          "space-app-fastapi",
        ),
        "service.name defaults to space-app-fastapi",
      );

      const bodies = new Set<string>();
      for (const r of byPath("/v1/logs")) {
        for (
          const body of Object.keys(countProtobuf("logs", r.body).logBodies)
        ) {
          bodies.add(body);
        }
      }
      assert.ok(bodies.has("hello from space-app"), [...bodies].join(", "));
      assert.ok(bodies.has("boom"), [...bodies].join(", "));

      const metrics = new Set(
        byPath("/v1/metrics").flatMap((r) => metricNames(r.body)),
      );
      for (
        const name of [
          "app_requests_total",
          "app_request_errors_total",
          "app_request_duration_ms",
        ]
      ) {
        assert.ok(metrics.has(name), `no ${name} in ${[...metrics]}`);
      }
      // The lifespan shutdown's final metric collection: an export between
      // SIGTERM and exit.
      assert.ok(
        byPath("/v1/metrics").some((r) =>
          r.at >= stopped.from && r.at <= stopped.to
        ),
        "no metrics export while shutting down",
      );
      assert.match(stdout, /hello from space-app/);
    } finally {
      await proc?.stop();
      await proc?.output();
      await sink.close();
    }
  },
});

Deno.test({
  name:
    "fastapi peer with OTEL_SDK_DISABLED=true: same answers, nothing exported, console logs only",
  ignore: peer === undefined,
  fn: async () => {
    const sink = await startRecordingSink();
    let proc: PeerProcess | undefined;
    try {
      proc = await startPeer(peer!, {
        OTEL_SDK_DISABLED: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_METRIC_EXPORT_INTERVAL: "100",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_BLRP_SCHEDULE_DELAY: "100",
      });
      let res = await fetch(`${proc.base}/`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        ok: true,
        msg: "Hello from space-app",
      });
      res = await fetch(`${proc.base}/error`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { detail: "boom" });
      // Long enough for any exporter at these settings to have sent.
      await new Promise((r) => setTimeout(r, 300));
      const stopped = await proc.stop();
      const { stdout, stderr } = await proc.output();
      assertStoppedBySigterm(stopped, stderr);
      assert.deepEqual(sink.received.map((r) => r.path), []);
      assert.match(stdout, /INFO \[space-app\] hello from space-app/);
    } finally {
      await proc?.stop();
      await proc?.output();
      await sink.close();
    }
  },
});
