/**
 * CPU time and memory from Linux `/proc`: readers, and the CPU figures of
 * one load window (the server's, this harness's, everyone else's).
 *
 * @module
 */
import { run } from "../lib/process.ts";

/** CPU time of a process in clock ticks, all threads; `children`: of the children it waited for. */
export interface CpuTicks {
  readonly user: number;
  readonly system: number;
  readonly children: number;
}

/**
 * Parses `/proc/<pid>/stat`: `utime`, `stime`, `cutime`, `cstime` are
 * fields 14 to 17, counted from the last `)` (the command name, field 2,
 * may hold spaces and parentheses).
 */
export function parseStat(text: string): CpuTicks {
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

const read = (path: string) => Deno.readTextFileSync(path);

/** CPU ticks of `pid` now. */
export const readCpuTicks = (pid: number) =>
  parseStat(read(`/proc/${pid}/stat`));
/** Memory of `pid` now, kB. */
export const readMemory = (pid: number) =>
  parseStatus(read(`/proc/${pid}/status`));
const machineBusy = () => parseMachineBusy(read("/proc/stat"));

/** The CPUs this process may run on. */
export function allowedCpus(): number[] {
  const match = /^Cpus_allowed_list:\s*(\S+)/m.exec(read("/proc/self/status"));
  if (!match) throw new Error("no Cpus_allowed_list in /proc/self/status");
  return parseCpuList(match[1]);
}

/** Clock ticks per second (`getconf CLK_TCK`), 100 when getconf fails. */
export async function clockTicksPerSecond(): Promise<number> {
  const value = Number((await run(["getconf", "CLK_TCK"])).stdout.trim());
  return Number.isInteger(value) && value > 0 ? value : 100;
}

/** CPU figures of one load window; percentages of one core. */
export interface CpuWindow {
  /** Server CPU seconds (user + system, all threads). */
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** Server CPU microseconds per request completed in the window. */
  readonly usPerRequest: number;
  readonly serverPct: number;
  /** This harness (with the OTLP sink) and the load generator it waited for. */
  readonly loadSidePct: number;
  /** Every other process on the machine: disturbance. */
  readonly otherPct: number;
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
): Promise<[T, CpuWindow]> {
  const a = reading(pid);
  const result = await load();
  const b = reading(pid);
  const wallSeconds = (b.at - a.at) / 1000;
  const [server, self] = [b.server - a.server, b.self - a.self];
  const pct = (ticks: number) => (100 * ticks) / clockTicks / wallSeconds;
  const cpuSeconds = server / clockTicks;
  return [result, {
    cpuSeconds,
    wallSeconds,
    usPerRequest: result.requests > 0
      ? (cpuSeconds * 1e6) / result.requests
      : NaN,
    serverPct: pct(server),
    loadSidePct: pct(self),
    otherPct: Math.max(0, pct(b.machine - a.machine - server - self)),
  }];
}

/** Machine CPU busy over `ms` while the bench is idle, percent of one core. */
export async function backgroundLoadPct(
  ms: number,
  clockTicks: number,
): Promise<number> {
  const [before, started] = [machineBusy(), performance.now()];
  await new Promise((resolve) => setTimeout(resolve, ms));
  const seconds = (performance.now() - started) / 1000;
  return (100 * (machineBusy() - before)) / clockTicks / seconds;
}
