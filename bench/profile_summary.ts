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
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A summarized profile: self time per function and per npm package, runtime extension or application file. */
export type ProfileSummary = ReturnType<typeof summarizeProfile>;

/** Functions and groups listed, busiest first. */
const TOP = 25;

const NPM = /\/npm\/[^/]+\/((?:@[^/]+\/)?[^/]+)\/([^/]+)\/(.*)$/;

/** Shortens a script URL: npm packages as `pkg@version/path`, app files relative. */
export function shortUrl(url: string, root = ""): string {
  const npm = NPM.exec(url);
  if (npm) return `${npm[1]}@${npm[2]}/${npm[3]}`;
  if (root && url.startsWith(root)) return url.slice(root.length);
  return url.replace(/^file:\/\//, "");
}

/** The group of a script URL: an npm package, a runtime extension, or a file. */
export function groupOf(url: string, root = ""): string {
  const npm = NPM.exec(url);
  if (npm) return `npm:${npm[1]}@${npm[2]}`;
  const ext = /^ext:([^/]+)/.exec(url);
  if (ext) return `ext:${ext[1]}`;
  return url.startsWith("node:") ? url : shortUrl(url, root);
}

/**
 * Self time per function and per group; `(idle)`, the event loop waiting,
 * apart. Sample `i` lasts until sample `i + 1` (the last one until
 * `endTime`), as in Chrome DevTools.
 */
export function summarizeProfile(profile: CpuProfile, root = "") {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  /** Self time in ms by name and location (`name\0location`). */
  const functions = new Map<string, number>();
  const groups = new Map<string, number>();
  const add = (to: Map<string, number>, key: string, ms: number) =>
    to.set(key, (to.get(key) ?? 0) + ms);
  let totalMs = 0;
  let idleMs = 0;
  let t = profile.startTime;
  const times = profile.timeDeltas.map((delta) => t += delta);
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    if (!frame) return;
    const ms = Math.max(0, (times[i + 1] ?? profile.endTime) - times[i]) / 1000;
    totalMs += ms;
    const name = frame.functionName || "(anonymous)";
    if (name === "(idle)") {
      idleMs += ms;
      return;
    }
    const { url, lineNumber } = frame;
    const location = url ? `${shortUrl(url, root)}:${lineNumber + 1}` : "";
    add(functions, `${name}\0${location}`, ms);
    const group = url
      ? groupOf(url, root)
      : name.startsWith("op_")
      ? "(Deno ops: Rust)"
      : name;
    add(groups, group, ms);
  });
  const busyMs = totalMs - idleMs;
  /** Self time of each function or group; `pct` is the percent of busy (non-idle) time. */
  const busiest = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([key, selfMs]) => {
      const [name, location = ""] = key.split("\0");
      const pct = busyMs > 0 ? (100 * selfMs) / busyMs : 0;
      return { name, location, selfMs, pct };
    });
  return {
    totalMs,
    idleMs,
    busyMs,
    functions: busiest(functions),
    groups: busiest(groups),
  };
}

export function renderProfileSummary(s: ProfileSummary, source: string) {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const line = (t: ProfileSummary["groups"][number], what: string) =>
    `  ${t.selfMs.toFixed(0).padStart(7)}  ${
      t.pct.toFixed(1).padStart(6)
    }  ${what}`;
  return [
    `CPU profile ${source}`,
    `  sampled ${seconds(s.totalMs)} s: busy ${seconds(s.busyMs)} s, idle ${
      seconds(s.idleMs)
    } s`,
    "",
    `  top ${s.functions.length} functions by self time (% of busy time):`,
    "    self ms  busy %  function  (location)",
    ...s.functions.map((f) =>
      line(f, f.location ? `${f.name}  (${f.location})` : f.name)
    ),
    "",
    "  self time by package / runtime extension / file:",
    ...s.groups.map((g) => line(g, g.name)),
  ].join("\n");
}

/** Reads and summarizes the newest `.cpuprofile` in `dir`; `root` as for {@link shortUrl}. */
export function summarizeDir(dir: string, root: string) {
  const file = [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".cpuprofile"))
    .map((e) => `${dir}/${e.name}`)
    .map((f) => ({ f, at: Deno.statSync(f).mtime!.getTime() }))
    .sort((a, b) => a.at - b.at).at(-1)?.f;
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(Deno.readTextFileSync(file)) as CpuProfile;
  return { file, summary: summarizeProfile(profile, root) };
}
