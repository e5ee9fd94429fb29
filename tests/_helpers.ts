/**
 * Shared test helpers: free ports, running the real service process, and
 * reading its JSON log lines.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { serviceDenoFlags } from "../bench/service.ts";
import { collect, freePort, lookupEnv } from "../lib/process.ts";

/** The repository root, where deno.json lives. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

export { freePort };

/** A running child process of the service, with its output collected. */
export interface ServiceProcess {
  readonly port: number;
  readonly base: string;
  readonly child: Deno.ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the exit status once the process ends (output fully read). */
  readonly status: Promise<Deno.CommandStatus>;
  /** Stdout lines parsed as JSON objects. */
  records(): Record<string, unknown>[];
}

/**
 * The flags the compiled binary gets, read from the `start` task: the
 * `service` permission set and the V8 flags (plus `--quiet --frozen`).
 */
export const SERVICE_FLAGS = serviceDenoFlags(ROOT);

/** Runs `deno run <start task's flags> main.ts <args>` with `env` and {@link lookupEnv} (no inherited OTEL_*). */
export function spawnService(
  args: string[],
  env: Record<string, string>,
  port = freePort(),
): ServiceProcess {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", ...SERVICE_FLAGS, "main.ts", ...args],
    cwd: ROOT,
    env: { ...lookupEnv(), PORT: String(port), NO_COLOR: "1", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  const lines: string[] = [];
  let stderr = "";
  const out = collect(child.stdout, (l) => lines.push(l));
  const err = collect(child.stderr, (l) => (stderr += l + "\n"));
  const status = Promise.all([child.status, out, err]).then(([s]) => s);
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    child,
    lines,
    stderr: () => stderr,
    status,
    records: () =>
      lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)),
  };
}

/** Polls `url` until it answers (any status) or `timeoutMs` passes. */
export async function waitForHttp(
  url: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Fetches and parses a JSON body, returning status, headers and body. */
export async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? JSON.parse(text) : null,
  };
}
