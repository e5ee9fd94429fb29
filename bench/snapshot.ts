/**
 * A frozen copy of the service's code for the whole bench, so every run
 * measures the same code even while the working tree changes: the working
 * tree as it is at the start (tracked and untracked, not ignored files), or
 * a git revision.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { ROOT, run } from "./exec.ts";

/** Where the measured code lives and what it is. */
export interface CodeSnapshot {
  /** Directory holding main.ts, deno.json and deno.lock. */
  readonly dir: string;
  /** The commit it is based on. */
  readonly commit: string;
  /** Files differing from that commit (0 for a revision). */
  readonly changedFiles: number;
  /** One line for the report. */
  readonly description: string;
}

async function git(args: string[]): Promise<string> {
  const out = await run(["git", ...args]);
  if (out.code !== 0) {
    throw new Error(`git ${args.join(" ")}: ${out.stderr.trim()}`);
  }
  return out.stdout;
}

/** Copies the working tree into `dir` (what `git ls-files -co --exclude-standard` lists). */
async function copyWorkingTree(dir: string): Promise<void> {
  const files = (await git([
    "ls-files",
    "-z",
    "--cached",
    "--others",
    "--exclude-standard",
  ])).split("\0").filter(Boolean);
  for (const file of files) {
    const from = join(ROOT, file);
    try {
      if (!Deno.statSync(from).isFile) continue;
    } catch {
      continue; // deleted in the working tree
    }
    await Deno.mkdir(dirname(join(dir, file)), { recursive: true });
    await Deno.copyFile(from, join(dir, file));
  }
}

/** Extracts revision `ref` into `dir` with `git archive`. */
async function extractRevision(ref: string, dir: string): Promise<void> {
  const out = await run([
    "sh",
    "-c",
    'git archive --format=tar "$0" | tar -x -C "$1"',
    ref,
    dir,
  ]);
  if (out.code !== 0) {
    throw new Error(`cannot extract ${ref}: ${out.stderr.trim()}`);
  }
}

/** Freezes the code to measure under `parent`: `ref`, or the working tree when undefined. */
export async function snapshotCode(
  parent: string,
  ref: string | undefined,
): Promise<CodeSnapshot> {
  const dir = join(parent, "code");
  await Deno.mkdir(dir, { recursive: true });
  if (ref === undefined) {
    const commit = (await git(["rev-parse", "HEAD"])).trim();
    const changedFiles = (await git(["status", "--porcelain"])).split("\n")
      .filter((l) => l.trim()).length;
    await copyWorkingTree(dir);
    return {
      dir,
      commit,
      changedFiles,
      description: `working tree at start: ${commit.slice(0, 12)}${
        changedFiles > 0 ? ` + ${changedFiles} uncommitted file(s)` : ""
      } (copied, so every run measures the same code)`,
    };
  }
  const commit = (await git(["rev-parse", "--verify", `${ref}^{commit}`]))
    .trim();
  await extractRevision(commit, dir);
  return {
    dir,
    commit,
    changedFiles: 0,
    description: `revision ${ref} = ${commit.slice(0, 12)}`,
  };
}
