/**
 * CPU time and memory from Linux `/proc`: readers, and the CPU figures of
 * one load window (the server's, this harness's, everyone else's). And CPU
 * pinning with `taskset`: the server on the first allowed core, the load
 * generators (and this harness with its OTLP sink) on the second, so they do
 * not steal each other's cycles. Without taskset or a second core nothing is
 * pinned, and the report says so.
 *
 * @module
 */
import { run } from "../lib/process.ts";
import { sleep } from "../lib/duration.ts";

/**
 * Parses `/proc/<pid>/stat`: `utime`, `stime`, `cutime`, `cstime` are
 * fields 14 to 17, counted from the last `)` (the command name, field 2,
 * may hold spaces and parentheses). Clock ticks, all threads; `children`:
 * of the children it waited for.
 */
export function parseStat(text: string) {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("unreadable /proc stat: no ')'");
  // After ") " come fields 3 (state), 4, ...: field n is at index n - 3.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const [user, system, cu, cs] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  if (![user, system, cu, cs].every(Number.isInteger)) {
    throw new Error("unreadable /proc stat: utime/stime are not integers");
  }
  return { user, system, children: cu + cs };
}

/** Busy ticks of the whole machine (user + nice + system) from `/proc/stat`. */
export function parseMachineBusy(text: string): number {
  const match = /^cpu +([\d ]+)$/m.exec(text);
  if (!match) throw new Error("unreadable /proc/stat: no cpu line");
  const [user, nice, system] = match[1].trim().split(/\s+/).map(Number);
  return user + nice + system;
}

/** `VmRSS` and `VmHWM` (peak RSS), kB, out of `/proc/<pid>/status`. */
export function parseStatus(text: string): { rss: number; peak: number } {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, "m").exec(text);
    if (!match) throw new Error(`unreadable /proc status: no ${name}`);
    return Number(match[1]);
  };
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** Parses a CPU list such as `0-3,6` into `[0, 1, 2, 3, 6]`. */
export function parseCpuList(text: string): number[] {
  return text.trim().split(",").filter(Boolean).flatMap((part) => {
    const [lo, hi = lo] = part.split("-").map(Number);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new Error(`unreadable CPU list ${JSON.stringify(text)}`);
    }
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  });
}

const proc = (path: string) => Deno.readTextFileSync(`/proc/${path}`);

export const readCpuTicks = (pid: number) => parseStat(proc(`${pid}/stat`));
/** Memory of `pid` now, kB. */
export const readMemory = (pid: number) => parseStatus(proc(`${pid}/status`));
const machineBusy = () => parseMachineBusy(proc("stat"));

/** Clock ticks per second (`getconf CLK_TCK`), 100 when getconf fails. */
export async function clockTicksPerSecond(): Promise<number> {
  const value = Number((await run(["getconf", "CLK_TCK"])).stdout.trim());
  return Number.isInteger(value) && value > 0 ? value : 100;
}

function reading(pid: number) {
  const [server, self] = [readCpuTicks(pid), readCpuTicks(Deno.pid)];
  return {
    server: server.user + server.system,
    self: self.user + self.system + self.children,
    machine: machineBusy(),
    at: performance.now(),
  };
}

/** Runs `load`, measuring the CPU of server `pid` (and everyone else's) meanwhile. */
export async function measureCpu<T extends { requests: number }>(
  pid: number,
  clockTicks: number,
  load: () => Promise<T>,
) {
  const a = reading(pid);
  const result = await load();
  const b = reading(pid);
  const wallSeconds = (b.at - a.at) / 1000;
  const [server, self] = [b.server - a.server, b.self - a.self];
  const pct = (ticks: number) => (100 * ticks) / clockTicks / wallSeconds;
  /** Server CPU seconds (user + system, all threads). */
  const cpuSeconds = server / clockTicks;
  return [result, {
    cpuSeconds,
    wallSeconds,
    /** Server CPU microseconds per request completed in the window. */
    usPerRequest: result.requests > 0
      ? (cpuSeconds * 1e6) / result.requests
      : NaN,
    serverPct: pct(server),
    /** This harness (with the OTLP sink) and the load generator it waited for. */
    loadSidePct: pct(self),
    /** Every other process on the machine: disturbance. */
    otherPct: Math.max(0, pct(b.machine - a.machine - server - self)),
  }] as const;
}

/** Machine CPU busy over `ms` while the bench is idle, percent of one core. */
export async function backgroundLoadPct(ms: number, clockTicks: number) {
  const [before, started] = [machineBusy(), performance.now()];
  await sleep(ms);
  const seconds = (performance.now() - started) / 1000;
  return (100 * (machineBusy() - before)) / clockTicks / seconds;
}

/** Where each side runs (no cores when pinning is off), and one line for the report. */
export type Pinning = Awaited<ReturnType<typeof detectPinning>>;

/** Decides the pinning from taskset's presence and the CPUs this process may run on. */
export async function detectPinning() {
  if ((await run(["taskset", "--version"])).code === 127) {
    return {
      description: "not pinned: taskset not installed (Debian util-linux)",
    };
  }
  const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
  const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
  const cpus = allowed ? parseCpuList(allowed) : [];
  const [serverCpu, loadCpu] = cpus;
  if (cpus.length < 2) {
    const n = cpus.length || "an unknown number of";
    return { description: `not pinned: only ${n} CPU(s) allowed` };
  }
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
