/**
 * Summarizes a V8 `.cpuprofile` (from `deno run --cpu-prof`): self time per
 * function and per package or file, busiest first, so it shows where the
 * instrumented service spends its CPU.

 *
 * @module
 */
/** The parts of a V8 CPU profile used here. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: {
      functionName: string;
      url: string;
      lineNumber: number;
      columnNumber?: number;
    };
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function or group. */
export interface SelfTime {
  readonly name: string;
  readonly location: string;
  readonly selfMs: number;
  /** Percent of busy (non-idle) time. */
  readonly pct: number;
}

/** A summarized profile. */
export interface ProfileSummary {
  readonly totalMs: number;
  /** Time in `(idle)`: the event loop waiting. */
  readonly idleMs: number;
  readonly busyMs: number;
  readonly functions: SelfTime[];
  /** Self time per npm package, runtime extension or application file. */
  readonly groups: SelfTime[];
}

const IDLE = "(idle)";

/** Shortens a script URL: npm packages as `pkg@version/path`, app files relative. */
export function shortUrl(url: string, root = ""): string {
  const npm = /\/npm\/[^/]+\/((?:@[^/]+\/)?[^/]+)\/([^/]+)\/(.*)$/.exec(url);
  if (npm) return `${npm[1]}@${npm[2]}/${npm[3]}`;
  if (root && url.startsWith(root)) return url.slice(root.length);
  return url.replace(/^file:\/\//, "");
}

/** The group of a script URL: an npm package, a runtime extension, or a file. */
export function groupOf(url: string, root = ""): string {
  if (url === "") return "(V8 / native)";
  const npm = /\/npm\/[^/]+\/((?:@[^/]+\/)?[^/]+)\/([^/]+)\//.exec(url);
  if (npm) return `npm:${npm[1]}@${npm[2]}`;
  const ext = /^ext:([^/]+)/.exec(url);
  if (ext) return `ext:${ext[1]}`;
  if (url.startsWith("node:")) return url;
  return shortUrl(url, root);
}

function top(map: Map<string, SelfTime>, busyMs: number, n: number) {
  return [...map.values()]
    .map((s) => ({ ...s, pct: busyMs > 0 ? (100 * s.selfMs) / busyMs : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, n);
}

/**
 * Self time per function and per group. Sample `i` lasts until sample
 * `i + 1` (the last one until `endTime`), as in Chrome DevTools.
 */
export function summarizeProfile(
  profile: CpuProfile,
  options: { top?: number; root?: string } = {},
): ProfileSummary {
  const n = options.top ?? 25;
  const root = options.root ?? "";
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  const times: number[] = [];
  for (const delta of profile.timeDeltas) times.push(t += delta);
  for (let i = 0; i < profile.samples.length; i++) {
    const end = i + 1 < times.length ? times[i + 1] : profile.endTime;
    const us = Math.max(0, end - times[i]);
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + us);
  }
  const functions = new Map<string, SelfTime>();
  const groups = new Map<string, SelfTime>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const ms = us / 1000;
    totalMs += ms;
    const name = frame.functionName || "(anonymous)";
    if (name === IDLE) {
      idleMs += ms;
      continue;
    }
    const location = frame.url
      ? `${shortUrl(frame.url, root)}:${frame.lineNumber + 1}`
      : "";
    const key = `${name}\u0000${location}`;
    const f = functions.get(key) ?? { name, location, selfMs: 0, pct: 0 };
    functions.set(key, { ...f, selfMs: f.selfMs + ms });
    const group = frame.url
      ? groupOf(frame.url, root)
      : name.startsWith("op_")
      ? "(Deno ops: Rust)"
      : name;
    const g = groups.get(group) ??
      { name: group, location: "", selfMs: 0, pct: 0 };
    groups.set(group, { ...g, selfMs: g.selfMs + ms });
  }
  const busyMs = totalMs - idleMs;
  return {
    totalMs,
    idleMs,
    busyMs,
    functions: top(functions, busyMs, n),
    groups: top(groups, busyMs, n),
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

/** The summary as text. */
export function renderProfileSummary(
  summary: ProfileSummary,
  source: string,
): string {
  const lines = [
    `CPU profile ${source}`,
    `  sampled ${(summary.totalMs / 1000).toFixed(1)} s: busy ${
      (summary.busyMs / 1000).toFixed(1)
    } s, idle ${(summary.idleMs / 1000).toFixed(1)} s`,
    "",
    `  top ${summary.functions.length} functions by self time (% of busy time):`,
    "    self ms  busy %  function  (location)",
  ];
  for (const f of summary.functions) {
    lines.push(
      `  ${pad(f.selfMs.toFixed(0), 7)}  ${
        pad(f.pct.toFixed(1), 6)
      }  ${f.name}${f.location ? `  (${f.location})` : ""}`,
    );
  }
  lines.push("", "  self time by package / runtime extension / file:");
  for (const g of summary.groups) {
    lines.push(
      `  ${pad(g.selfMs.toFixed(0), 7)}  ${
        pad(g.pct.toFixed(1), 6)
      }  ${g.name}`,
    );
  }
  return lines.join("\n");
}

/** Reads and summarizes the profile at `path`, or the newest `.cpuprofile` in a directory. */
export function summarizeFile(
  path: string,
  options: { top?: number; root?: string } = {},
): { file: string; summary: ProfileSummary } {
  const file = !Deno.statSync(path).isDirectory ? path : [
    ...Deno.readDirSync(path),
  ].filter((e) => e.isFile && e.name.endsWith(".cpuprofile"))
    .map((e) => `${path}/${e.name}`)
    .sort((a, b) =>
      Deno.statSync(a).mtime!.getTime() - Deno.statSync(b).mtime!.getTime()
    )
    .at(-1);
  if (!file) throw new Error(`no .cpuprofile in ${path}`);
  const profile = JSON.parse(Deno.readTextFileSync(file)) as CpuProfile;
  return { file, summary: summarizeProfile(profile, options) };
}
