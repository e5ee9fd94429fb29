/**
 * A frozen copy of the working tree for the whole bench (tracked and
 * untracked files, not ignored ones), so every run measures the same code
 * even while the tree changes under it.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../lib/process.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

async function git(...args: string[]): Promise<string> {
  const out = await run(["git", ...args], { cwd: ROOT });
  if (out.code !== 0) {
    throw new Error(`git ${args.join(" ")}: ${out.stderr.trim()}`);
  }
  return out.stdout;
}

/** Copies the working tree into `<parent>/code`; returns the directory and one line about it. */
export async function snapshotCode(
  parent: string,
): Promise<{ dir: string; description: string }> {
  const dir = join(parent, "code");
  const commit = (await git("rev-parse", "HEAD")).trim();
  const changed = (await git("status", "--porcelain")).split("\n")
    .filter((l) => l.trim()).length;
  const files = (await git("ls-files", "-z", "-co", "--exclude-standard"))
    .split("\0").filter(Boolean);
  for (const file of files) {
    try {
      if (!Deno.statSync(join(ROOT, file)).isFile) continue;
    } catch {
      continue; // deleted in the working tree
    }
    await Deno.mkdir(dirname(join(dir, file)), { recursive: true });
    await Deno.copyFile(join(ROOT, file), join(dir, file));
  }
  return {
    dir,
    description: `working tree at start: ${commit.slice(0, 12)}${
      changed > 0 ? ` + ${changed} uncommitted file(s)` : ""
    } (copied, so every run measures the same code)`,
  };
}
