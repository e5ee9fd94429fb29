/**
 * The service under test as a separate process: `deno run` with the start
 * task's flags (the compiled binary's permissions and V8 flags), pinned to the
 * server core, with its stdout and stderr going to files so the harness
 * never slows it by draining a pipe.
 *
 * @module
 */
import { baseEnv } from "./exec.ts";
import { pinned, type Pinning } from "./pinning.ts";
import { readComm } from "./proc.ts";

/** How to start one service process. */
export interface ServiceSpec {
  /** Service environment on top of PORT, HOST and the Deno cache paths. */
  readonly env: Readonly<Record<string, string>>;
  readonly pinning: Pinning;
  /** Directory for the stdout and stderr files. */
  readonly workDir: string;
  /** When set, run under `--cpu-prof` writing the profile here. */
  readonly profileDir?: string;
  /** Name of this run, used in file names. */
  readonly name: string;
  /** Directory of the code to run (main.ts, deno.json, deno.lock). */
  readonly codeDir: string;
}

/** A running service process. */
export interface BenchService {
  /** The deno process itself (sh and taskset exec into it). */
  readonly pid: number;
  readonly port: number;
  readonly base: string;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** Sends SIGTERM and resolves with the exit code once it has exited. */
  stop(): Promise<number>;
  /** Kills it without waiting for a graceful exit (cleanup after failures). */
  kill(): void;
  /** Resolves with the exit code whenever the process ends. */
  readonly exited: Promise<number>;
}

/** Kill functions of the service processes still running. */
const live = new Set<() => void>();

/** Kills every service still running (the bench is being interrupted). */
export function killAll(): void {
  for (const kill of live) kill();
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Deno flags of the service: those of the `start` task in `codeDir`'s
 * deno.json (the compiled binary's permission set and V8 flags), between
 * `run` and the entry module, plus `--quiet --frozen`.
 */
export function serviceDenoFlags(codeDir: string): string[] {
  const denoJson = JSON.parse(Deno.readTextFileSync(`${codeDir}/deno.json`));
  const start = String(denoJson.tasks?.start ?? "").trim().split(/\s+/);
  const entry = start.indexOf("main.ts");
  if (start[0] !== "deno" || start[1] !== "run" || entry < 0) {
    throw new Error(
      `${codeDir}/deno.json: the start task is not "deno run ... main.ts serve": ${
        JSON.stringify(denoJson.tasks?.start)
      }`,
    );
  }
  return ["--quiet", "--frozen", ...start.slice(2, entry)];
}

/** Polls `url` until it answers 200, the process exits, or `timeoutMs` passes. */
async function waitHealthy(
  url: string,
  exited: Promise<number>,
  timeoutMs: number,
): Promise<void> {
  let code: number | undefined;
  exited.then((c) => (code = c));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (code !== undefined) throw new Error(`service exited ${code} at start`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

/** Starts the service and waits until `/healthz` answers 200. */
export async function startService(spec: ServiceSpec): Promise<BenchService> {
  const port = freePort();
  const stdoutPath = `${spec.workDir}/${spec.name}.stdout.jsonl`;
  const stderrPath = `${spec.workDir}/${spec.name}.stderr.txt`;
  const profile = spec.profileDir
    ? ["--cpu-prof", `--cpu-prof-dir=${spec.profileDir}`]
    : [];
  const argv = pinned(spec.pinning, "server", [
    Deno.execPath(),
    "run",
    ...serviceDenoFlags(spec.codeDir),
    ...profile,
    "main.ts",
    "serve",
  ]);
  // `exec` all the way down: sh becomes taskset becomes deno, one pid.
  const child = new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'exec "$@" >"$BENCH_SERVICE_STDOUT" 2>"$BENCH_SERVICE_STDERR"',
      "sh",
      ...argv,
    ],
    cwd: spec.codeDir,
    clearEnv: true,
    env: {
      ...baseEnv(),
      BENCH_SERVICE_STDOUT: stdoutPath,
      BENCH_SERVICE_STDERR: stderrPath,
      PORT: String(port),
      HOST: "127.0.0.1",
      ...spec.env,
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const exited = child.status.then((s) => s.code);
  const base = `http://127.0.0.1:${port}`;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };
  live.add(kill);
  exited.then(() => live.delete(kill));
  try {
    await waitHealthy(`${base}/healthz`, exited, 30_000);
    const comm = readComm(child.pid);
    if (comm !== "deno") {
      throw new Error(`pid ${child.pid} is ${comm}, not the deno process`);
    }
  } catch (error) {
    kill();
    await exited;
    let stderr = "";
    try {
      stderr = Deno.readTextFileSync(stderrPath).trim();
    } catch {
      // no stderr file
    }
    throw new Error(
      `${spec.name}: ${(error as Error).message}${stderr ? `\n${stderr}` : ""}`,
    );
  }
  return {
    pid: child.pid,
    port,
    base,
    stdoutPath,
    stderrPath,
    exited,
    kill,
    stop: () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      return exited;
    },
  };
}
