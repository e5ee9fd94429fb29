/**
 * CPU pinning with `taskset`: the server on one core, the load generators
 * (and this harness with its OTLP sink) on another, so they do not steal
 * each other's cycles. Without taskset or a second core, nothing is pinned
 * and the report says so.
 *
 * @module
 */
import { run, which } from "./exec.ts";
import { allowedCpus } from "./proc.ts";

/** Where each side runs. */
export interface Pinning {
  /** `taskset` path when pinning is on. */
  readonly taskset: string | undefined;
  /** Core of the service under test. */
  readonly serverCpu: number | undefined;
  /** Core of wrk, the Deno clients and the harness (with the sink). */
  readonly loadCpu: number | undefined;
  /** One line for the report. */
  readonly description: string;
}

/** Decides the pinning from taskset's presence and the allowed CPUs. */
export function detectPinning(): Pinning {
  const taskset = which("taskset");
  let cpus: number[] = [];
  try {
    cpus = allowedCpus();
  } catch {
    // not Linux, or /proc unreadable
  }
  if (!taskset) {
    return {
      taskset,
      serverCpu: undefined,
      loadCpu: undefined,
      description: "not pinned: taskset not installed (Debian util-linux)",
    };
  }
  if (cpus.length < 2) {
    return {
      taskset: undefined,
      serverCpu: undefined,
      loadCpu: undefined,
      description: `not pinned: only ${
        cpus.length || "an unknown number of"
      } CPU(s) allowed`,
    };
  }
  const [serverCpu, loadCpu] = cpus;
  return {
    taskset,
    serverCpu,
    loadCpu,
    description:
      `server on CPU ${serverCpu}; load generator, harness and OTLP sink on CPU ${loadCpu} (taskset)`,
  };
}

/** `argv` prefixed with `taskset -c <cpu>` for `role`, when pinning is on. */
export function pinned(
  pinning: Pinning,
  role: "server" | "load",
  argv: readonly string[],
): string[] {
  const cpu = role === "server" ? pinning.serverCpu : pinning.loadCpu;
  if (!pinning.taskset || cpu === undefined) return [...argv];
  return [pinning.taskset, "-c", String(cpu), ...argv];
}

/** Moves every thread of this process to the load core; false when it could not. */
export async function pinSelf(pinning: Pinning): Promise<boolean> {
  if (!pinning.taskset || pinning.loadCpu === undefined) return false;
  const out = await run([
    pinning.taskset,
    "-a",
    "-p",
    "-c",
    String(pinning.loadCpu),
    String(Deno.pid),
  ]);
  return out.code === 0;
}
