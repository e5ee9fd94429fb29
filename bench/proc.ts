/**
 * Reading a process's CPU time and memory from Linux `/proc`.
 *
 * @module
 */

/** CPU time of a process in clock ticks (all its threads). */
export interface CpuTicks {
  readonly user: number;
  readonly system: number;
  /** CPU of its children that it has waited for (`cutime + cstime`). */
  readonly children: number;
}

/** Machine-wide CPU time in clock ticks, from the `cpu` line of `/proc/stat`. */
export interface MachineTicks {
  /** user + nice + system: time in processes. */
  readonly busy: number;
  /** irq + softirq: interrupt work no process is charged for. */
  readonly interrupts: number;
  /** Time the hypervisor gave to other guests. */
  readonly steal: number;
  readonly idle: number;
}

/** Memory figures of a process in kB, from `/proc/<pid>/status`. */
export interface MemoryKb {
  /** Resident set size now (`VmRSS`). */
  readonly rss: number;
  /** Peak resident set size (`VmHWM`). */
  readonly peak: number;
}

/**
 * Parses `/proc/<pid>/stat`: `utime` and `stime` are fields 14 and 15,
 * `cutime` and `cstime` 16 and 17.
 * The command name (field 2) may hold spaces and parentheses, so fields
 * are counted from the last `)`.
 */
export function parseStat(text: string): CpuTicks {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("unreadable /proc stat: no ')'");
  // After ") " come fields 3 (state), 4, ...: field n is at index n - 3.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const [user, system, cutime, cstime] = [14, 15, 16, 17].map((n) =>
    Number(fields[n - 3])
  );
  if (![user, system, cutime, cstime].every(Number.isInteger)) {
    throw new Error("unreadable /proc stat: utime/stime are not integers");
  }
  return { user, system, children: cutime + cstime };
}

/** Parses the aggregate `cpu` line of `/proc/stat`. */
export function parseMachineStat(text: string): MachineTicks {
  const match = /^cpu +([\d ]+)$/m.exec(text);
  if (!match) throw new Error("unreadable /proc/stat: no cpu line");
  const [user, nice, system, idle, iowait, irq, softirq, steal] = match[1]
    .trim().split(/\s+/).map(Number);
  return {
    busy: user + nice + system,
    interrupts: (irq ?? 0) + (softirq ?? 0),
    steal: steal ?? 0,
    idle: idle + (iowait ?? 0),
  };
}

/** Machine-wide CPU ticks now. */
export function readMachineTicks(): MachineTicks {
  return parseMachineStat(Deno.readTextFileSync("/proc/stat"));
}

/** Parses `VmRSS` and `VmHWM` (kB) out of `/proc/<pid>/status`. */
export function parseStatus(text: string): MemoryKb {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, "m").exec(text);
    if (!match) throw new Error(`unreadable /proc status: no ${name}`);
    return Number(match[1]);
  };
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/** Parses a CPU list such as `0-3,6` into `[0, 1, 2, 3, 6]`. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [lo, hi = lo] = part.split("-").map(Number);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new Error(`unreadable CPU list ${JSON.stringify(text)}`);
    }
    for (let cpu = lo; cpu <= hi; cpu++) out.push(cpu);
  }
  return out;
}

/** CPU ticks of `pid` now. */
export function readCpuTicks(pid: number): CpuTicks {
  return parseStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
}

/** Memory figures of `pid` now. */
export function readMemory(pid: number): MemoryKb {
  return parseStatus(Deno.readTextFileSync(`/proc/${pid}/status`));
}

/** The command name of `pid` (`/proc/<pid>/comm`). */
export function readComm(pid: number): string {
  return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
}

/** The CPUs this process may run on, from `/proc/self/status`. */
export function allowedCpus(): number[] {
  const status = Deno.readTextFileSync("/proc/self/status");
  const match = /^Cpus_allowed_list:\s*(\S+)/m.exec(status);
  if (!match) throw new Error("no Cpus_allowed_list in /proc/self/status");
  return parseCpuList(match[1]);
}

/** Clock ticks per second (`getconf CLK_TCK`), 100 when getconf is missing. */
export function clockTicksPerSecond(): number {
  try {
    const out = new Deno.Command("getconf", {
      args: ["CLK_TCK"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const value = Number(new TextDecoder().decode(out.stdout).trim());
    if (out.success && Number.isInteger(value) && value > 0) return value;
  } catch {
    // getconf is not installed
  }
  return 100;
}
