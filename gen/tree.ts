/**
 * The only code of `gen` that touches the disk: compares the generated
 * files with an output directory, and replaces the directory atomically.
 *
 * Write mode builds the complete new tree in a sibling temporary directory
 * and swaps it in with two renames, so a failure at any point leaves the
 * old directory exactly as it was. Files under the directory that do not
 * carry the generated header are the user's own and are carried over.
 *
 * @module
 */
import { GENERATED_MARK, type GeneratedFile } from "./header.ts";

/** How one path compares. */
export type FileState = "created" | "changed" | "unchanged" | "removed";

/** What a run found or did. */
export interface TreeResult {
  readonly outDir: string;
  readonly check: boolean;
  /** Every path with its state, sorted by path. */
  readonly files: readonly { path: string; state: FileState }[];
  /** Paths that differ from the generated tree (created, changed, removed). */
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

/** The real file system. */
export const denoFs: Fs = {
  readTextFile: (path) => Deno.readTextFile(path),
  writeTextFile: (path, content) => Deno.writeTextFile(path, content),
  mkdir: (path) => Deno.mkdir(path, { recursive: true }),
  rename: (from, to) => Deno.rename(from, to),
  remove: (path) => Deno.remove(path, { recursive: true }),
};

/** Refuses absolute, escaping, empty or duplicate paths before anything happens. */
export function checkPaths(files: readonly GeneratedFile[]): void {
  const seen = new Set<string>();
  for (const { path } of files) {
    const parts = path.split("/");
    if (
      path === "" || path.startsWith("/") || path.includes("\\") ||
      parts.some((p) => p === "" || p === "." || p === "..")
    ) {
      throw new Error(
        `gen: generated path ${
          JSON.stringify(path)
        } is not a plain relative path`,
      );
    }
    if (seen.has(path)) throw new Error(`gen: ${path} is generated twice`);
    seen.add(path);
  }
}

/** Relative paths of every file under `dir` (empty when it does not exist). */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(at: string, rel: string): Promise<void> {
    for await (const entry of Deno.readDir(at)) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(`${at}/${entry.name}`, relPath);
      else out.push(relPath);
    }
  }
  try {
    await walk(dir, "");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

function isGenerated(content: string): boolean {
  const firstLines = content.slice(0, 400);
  return firstLines.includes(GENERATED_MARK);
}

/** Compares the generated files with what `outDir` holds now. */
async function compare(
  outDir: string,
  files: readonly GeneratedFile[],
  fs: Fs,
): Promise<{ states: Map<string, FileState>; keep: string[] }> {
  const states = new Map<string, FileState>();
  const wanted = new Set(files.map((f) => f.path));
  for (const file of files) {
    let current: string | undefined;
    try {
      current = await fs.readTextFile(`${outDir}/${file.path}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    states.set(
      file.path,
      current === undefined
        ? "created"
        : current === file.content
        ? "unchanged"
        : "changed",
    );
  }
  // Files gen wrote before but no longer produces are stale; anything
  // without the header belongs to the user and stays.
  const keep: string[] = [];
  for (const path of await listFiles(outDir)) {
    if (wanted.has(path)) continue;
    const content = await fs.readTextFile(`${outDir}/${path}`).catch(() => "");
    if (isGenerated(content)) states.set(path, "removed");
    else keep.push(path);
  }
  return { states, keep };
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : path.slice(0, slash);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Brings `outDir` in line with `files`, or with `check` only reports what
 * differs. Throws, leaving `outDir` untouched, when anything fails.
 */
export async function writeTree(
  outDir: string,
  files: readonly GeneratedFile[],
  options: { check: boolean; fs?: Fs },
): Promise<TreeResult> {
  const fs = options.fs ?? denoFs;
  checkPaths(files);
  const out = outDir.replace(/\/+$/, "") || ".";
  const { states, keep } = await compare(out, files, fs);
  const sorted = [...states.entries()]
    .map(([path, state]) => ({ path, state }))
    .sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const drifted = sorted.filter((f) => f.state !== "unchanged").map((f) =>
    f.path
  );
  const result = { outDir: out, check: options.check, files: sorted, drifted };
  if (options.check || drifted.length === 0) return result;

  const parent = dirOf(out);
  const base = out.slice(out.lastIndexOf("/") + 1);
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const staging = `${parent}/.${base}.gen-${stamp}`;
  const previous = `${parent}/.${base}.old-${stamp}`;
  try {
    await fs.mkdir(staging);
    for (const file of files) {
      await fs.mkdir(`${staging}/${dirOf(file.path)}`);
      await fs.writeTextFile(`${staging}/${file.path}`, file.content);
    }
    for (const path of keep) {
      await fs.mkdir(`${staging}/${dirOf(path)}`);
      await fs.writeTextFile(
        `${staging}/${path}`,
        await fs.readTextFile(`${out}/${path}`),
      );
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

/** A table of the files created, changed, unchanged and removed, with counts. */
export function formatSummary(result: TreeResult): string {
  const counts: Record<FileState, number> = {
    created: 0,
    changed: 0,
    unchanged: 0,
    removed: 0,
  };
  for (const f of result.files) counts[f.state]++;
  const width = Math.max(9, ...result.files.map((f) => f.state.length));
  const verb = result.check ? "would be" : "";
  const rows = result.files
    .filter((f) => f.state !== "unchanged")
    .map((f) => `  ${f.state.padEnd(width)}  ${result.outDir}/${f.path}`);
  const totals = (Object.keys(counts) as FileState[])
    .map((state) => `${counts[state]} ${state}`)
    .join(", ");
  const head = result.drifted.length === 0
    ? `${result.outDir}: ${result.files.length} files, all up to date`
    : `${result.outDir}: ${totals}${verb ? ` (${verb} after gen)` : ""}`;
  return [head, ...rows].join("\n");
}
