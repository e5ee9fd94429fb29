/**
 * CPU pinning with `taskset`: the server on the first allowed core, the
 * load generators (and this harness with its OTLP sink) on the second, so
 * they do not steal each other's cycles. Without taskset or a second core
 * nothing is pinned, and the report says so.
 *
 * @module
 */
import { run } from "../lib/process.ts";
import { allowedCpus } from "./proc.ts";

/** Where each side runs; no cores when pinning is off. */
export interface Pinning {
  readonly serverCpu?: number;
  readonly loadCpu?: number;
  /** One line for the report. */
  readonly description: string;
}

/** Decides the pinning from taskset's presence and the allowed CPUs. */
export async function detectPinning(): Promise<Pinning> {
  if ((await run(["taskset", "--version"])).code === 127) {
    return {
      description: "not pinned: taskset not installed (Debian util-linux)",
    };
  }
  let cpus: number[] = [];
  try {
    cpus = allowedCpus();
  } catch {
    // /proc unreadable
  }
  if (cpus.length < 2) {
    return {
      description: `not pinned: only ${
        cpus.length || "an unknown number of"
      } CPU(s) allowed`,
    };
  }
  const [serverCpu, loadCpu] = cpus;
  return {
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
  return cpu === undefined
    ? [...argv]
    : ["taskset", "-c", String(cpu), ...argv];
}

/** Moves every thread of this process to the load core; false when it could not. */
export async function pinSelf(pinning: Pinning): Promise<boolean> {
  if (pinning.loadCpu === undefined) return false;
  const argv = ["taskset", "-a", "-p", "-c", String(pinning.loadCpu)];
  return (await run([...argv, String(Deno.pid)])).code === 0;
}
