/**
 * A server under test as a separate process, pinned to the server core,
 * its stdout and stderr going to files (the harness never slows it by
 * draining a pipe); and what it wrote to stdout: the `GET /` requests it
 * handled (its "hello" lines) and its telemetry totals at shutdown.
 *
 * @module
 */
import { type Background, start } from "../lib/process.ts";
import { pinned, type Pinning } from "./proc.ts";
import type { ServerCommand } from "./variants.ts";

/** The log line every `GET /` writes, in the service and in the FastAPI peer. */
export const HELLO_MSG = "hello from space-app";

/** Our variables a server gets, on top of PORT, HOST and its variant's. */
const INHERITED = ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"];

const live = new Set<Background>();

/** Kills every server still running (the bench is being interrupted). */
export function killAll(): void {
  for (const p of live) {
    try {
      Deno.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** How to start one server process. */
export interface ServerSpec extends ServerCommand {
  /** Name of the run, for file names and errors. */
  readonly name: string;
  /** Environment on top of PORT, HOST and {@link INHERITED}. */
  readonly env: Readonly<Record<string, string>>;
  readonly pinning: Pinning;
  /** Directory of the stdout and stderr files. */
  readonly workDir: string;
}

/**
 * Starts a server and waits until `GET /` answers 200 (a request it
 * handles). Its `stop` sends SIGTERM, SIGKILL after 30 s, and resolves with
 * the exit code; `pid` is the server itself (sh and taskset exec into it).
 */
export async function startServer(spec: ServerSpec) {
  const port = freePort();
  const [stdoutPath, stderrPath] = ["stdout", "stderr"].map((s) =>
    `${spec.workDir}/${spec.name}.${s}`
  );
  const inherited = INHERITED.flatMap((name) => {
    const value = Deno.env.get(name);
    return value === undefined ? [] : [[name, value]];
  });
  // `exec` all the way down: sh becomes taskset becomes the server, one pid.
  const p = start(spec.name, [
    "/bin/sh",
    "-c",
    'exec "$@" >"$BENCH_STDOUT" 2>"$BENCH_STDERR"',
    "sh",
    ...pinned(spec.pinning, "server", spec.argv(port)),
  ], {
    cwd: spec.cwd,
    clearEnv: true,
    env: {
      NO_COLOR: "1",
      ...Object.fromEntries(inherited),
      BENCH_STDOUT: stdoutPath,
      BENCH_STDERR: stderrPath,
      PORT: `${port}`,
      HOST: "127.0.0.1",
      ...spec.env,
    },
  });
  live.add(p);
  let exited: number | undefined;
  p.exited.then((code) => {
    live.delete(p);
    exited = code;
  });
  const url = `http://127.0.0.1:${port}/`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (exited !== undefined) break;
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) {
        return {
          pid: p.pid,
          url,
          stop: () => p.stop(30_000),
          readLog: () => readServerLog(stdoutPath),
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await p.stop(0);
  const stderr = (await Deno.readTextFile(stderrPath).catch(() => "")).trim();
  const why = exited !== undefined
    ? `exited ${exited} at start`
    : "GET / did not answer 200 within 30 s";
  throw new Error(
    `${spec.name}: ${why}${stderr ? `: ${stderr.split("\n").at(-1)}` : ""}`,
  );
}

/** What a server's stdout says. */
export interface ServerLog {
  /** `GET /` requests handled: lines holding {@link HELLO_MSG}. */
  handled: number;
  /** `telemetry.*` fields of the service's "telemetry shut down" line. */
  telemetryTotals?: Record<string, unknown>;
}

/** Scans one stdout line into `log`. */
export function scanLine(line: string, log: ServerLog): void {
  if (line.includes(HELLO_MSG)) log.handled++;
  else if (line.includes(`"msg":"telemetry shut down"`)) {
    try {
      log.telemetryTotals = Object.fromEntries(
        Object.entries(JSON.parse(line)).filter(([k]) =>
          k.startsWith("telemetry.")
        ),
      );
    } catch {
      // not JSON after all
    }
  }
}

/** Reads the stdout file at `path` line by line (it can be large), then removes it. */
async function readServerLog(path: string): Promise<ServerLog> {
  const log: ServerLog = { handled: 0 };
  let rest = "";
  // Reading `readable` to its end closes the file.
  const file = await Deno.open(path);
  for await (const text of file.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + text).split("\n");
    rest = lines.pop()!;
    for (const line of lines) scanLine(line, log);
  }
  scanLine(rest, log);
  await Deno.remove(path);
  return log;
}
