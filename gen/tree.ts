/**
 * The only code of `gen` that touches the disk: compares the generated files
 * with an output directory, and replaces it atomically (a new tree built
 * beside it, swapped in with two renames), so a failure leaves the old one
 * as it was. Files without the generated header are the user's and stay.
 * @module
 */
import { byPath, GENERATED_MARK, type GeneratedFile } from "./header.ts";

export type FileState = "created" | "changed" | "unchanged" | "removed";

export interface TreeResult {
  readonly outDir: string;
  readonly check: boolean;
  /** Sorted by path. */
  readonly files: readonly { path: string; state: FileState }[];
  /** Paths created, changed or removed. */
  readonly drifted: readonly string[];
}

/** File-system operations, injectable so tests can make one fail. */
export interface Fs {
  readTextFile(path: string): Promise<string>;
  writeTextFile(path: string, content: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

export const denoFs: Fs = {
  readTextFile: (path) => Deno.readTextFile(path),
  writeTextFile: (path, content) => Deno.writeTextFile(path, content),
  mkdir: (path) => Deno.mkdir(path, { recursive: true }),
  rename: (from, to) => Deno.rename(from, to),
  remove: (path) => Deno.remove(path, { recursive: true }),
};

/** `undefined` where `promise` fails with NotFound. */
async function unlessNotFound<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Refuses absolute, escaping, empty or duplicate paths before anything happens. */
function checkPaths(files: readonly GeneratedFile[]): void {
  const seen = new Set<string>();
  for (const { path } of files) {
    if (
      path === "" || path.startsWith("/") || path.includes("\\") ||
      path.split("/").some((p) => p === "" || p === "." || p === "..")
    ) {
      const quoted = JSON.stringify(path);
      throw new Error(
        `gen: generated path ${quoted} is not a plain relative path`,
      );
    }
    if (seen.has(path)) throw new Error(`gen: ${path} is generated twice`);
    seen.add(path);
  }
}

/** Relative paths of every file under `dir`, if it exists. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(at: string, rel: string): Promise<void> {
    for await (const entry of Deno.readDir(at)) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(`${at}/${entry.name}`, relPath);
      else out.push(relPath);
    }
  }
  await unlessNotFound(walk(dir, ""));
  return out.sort();
}

const dirOf = (path: string) =>
  path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";

/** Brings `outDir` in line with `files` (or with `check` reports only); all or nothing. */
export async function writeTree(
  outDir: string,
  files: readonly GeneratedFile[],
  options: { check: boolean; fs?: Fs },
): Promise<TreeResult> {
  const fs = options.fs ?? denoFs;
  checkPaths(files);
  const out = outDir.replace(/\/+$/, "") || ".";
  const states = new Map<string, FileState>();
  for (const { path, content } of files) {
    const current = await unlessNotFound(fs.readTextFile(`${out}/${path}`));
    const state: FileState = current === undefined ? "created" : "changed";
    states.set(path, current === content ? "unchanged" : state);
  }
  // Files gen wrote before but no longer produces are stale; anything
  // without the header belongs to the user and stays.
  const keep: string[] = [];
  for (const path of await listFiles(out)) {
    if (states.has(path)) continue;
    const content = await fs.readTextFile(`${out}/${path}`).catch(() => "");
    if (content.slice(0, 400).includes(GENERATED_MARK)) {
      states.set(path, "removed");
    } else keep.push(path);
  }
  const sorted = [...states].map(([path, state]) => ({ path, state }))
    .sort(byPath);
  const drifted = sorted.filter((f) => f.state !== "unchanged")
    .map((f) => f.path);
  const result = { outDir: out, check: options.check, files: sorted, drifted };
  if (options.check || drifted.length === 0) return result;

  const parent = dirOf(out);
  const base = out.slice(out.lastIndexOf("/") + 1);
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const staging = `${parent}/.${base}.gen-${stamp}`;
  const previous = `${parent}/.${base}.old-${stamp}`;
  const exists = async (path: string) =>
    (await unlessNotFound(Deno.lstat(path))) !== undefined;
  try {
    await fs.mkdir(staging);
    const write = async (path: string, content: string) => {
      await fs.mkdir(`${staging}/${dirOf(path)}`);
      await fs.writeTextFile(`${staging}/${path}`, content);
    };
    for (const f of files) await write(f.path, f.content);
    for (const path of keep) {
      await write(path, await fs.readTextFile(`${out}/${path}`));
    }
  } catch (error) {
    await fs.remove(staging).catch(() => {});
    throw error;
  }
  const hadOld = await exists(out);
  try {
    if (hadOld) await fs.rename(out, previous);
    await fs.rename(staging, out);
  } catch (error) {
    // Put the old tree back before reporting the failure.
    if (hadOld && !(await exists(out)) && (await exists(previous))) {
      await fs.rename(previous, out);
    }
    await fs.remove(staging).catch(() => {});
    throw error;
  }
  if (hadOld) await fs.remove(previous).catch(() => {});
  return result;
}

/** Counts, and the files created, changed or removed. */
export function formatSummary(result: TreeResult): string {
  const states: FileState[] = ["created", "changed", "unchanged", "removed"];
  const count = (s: FileState) =>
    result.files.filter((f) => f.state === s).length;
  const width = Math.max(9, ...result.files.map((f) => f.state.length));
  const rows = result.files
    .filter((f) => f.state !== "unchanged")
    .map((f) => `  ${f.state.padEnd(width)}  ${result.outDir}/${f.path}`);
  const totals = states.map((s) => `${count(s)} ${s}`).join(", ");
  const head = result.drifted.length === 0
    ? `${result.files.length} files, all up to date`
    : `${totals}${result.check ? " (would be after gen)" : ""}`;
  return [`${result.outDir}: ${head}`, ...rows].join("\n");
}
