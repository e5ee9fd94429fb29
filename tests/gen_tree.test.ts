/**
 * The writer: created/changed/unchanged/removed, check mode writes
 * nothing, user files survive, bad paths are refused up front, and a
 * failure at any step leaves the directory exactly as it was.
 */
import assert from "node:assert/strict";
import { generatedHeader } from "../gen/header.ts";
import { denoFs, formatSummary, type Fs, writeTree } from "../gen/tree.ts";

const HEADER = generatedHeader("tests");

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(at: string, rel: string) {
    for await (const e of Deno.readDir(at)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(`${at}/${e.name}`, r);
      else out[r] = await Deno.readTextFile(`${at}/${e.name}`);
    }
  }
  await walk(dir, "");
  return out;
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const parent = await Deno.makeTempDir({ prefix: "gen-tree-" });
  try {
    await fn(`${parent}/deploy`);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
}

const v1 = [
  { path: "a.yaml", content: `${HEADER}\na: 1\n` },
  { path: "sub/b.yaml", content: `${HEADER}\nb: 1\n` },
  { path: "sub/old.yaml", content: `${HEADER}\nold: 1\n` },
];
const v2 = [
  { path: "a.yaml", content: `${HEADER}\na: 1\n` },
  { path: "sub/b.yaml", content: `${HEADER}\nb: 2\n` },
  { path: "sub/c.json", content: `{"c":1}\n` },
];

Deno.test("first write creates every file; a second run finds nothing to do", async () => {
  await withDir(async (dir) => {
    const first = await writeTree(dir, v1, { check: false });
    assert.deepEqual(first.files.map((f) => f.state), [
      "created",
      "created",
      "created",
    ]);
    assert.deepEqual(
      await snapshot(dir),
      Object.fromEntries(v1.map((f) => [f.path, f.content])),
    );
    const second = await writeTree(dir, v1, { check: false });
    assert.deepEqual(second.drifted, []);
    assert.match(formatSummary(second), /3 files, all up to date/);
  });
});

Deno.test("changed, unchanged, created and stale generated files; user files stay", async () => {
  await withDir(async (dir) => {
    await writeTree(dir, v1, { check: false });
    await Deno.writeTextFile(`${dir}/sub/NOTES.md`, "mine\n");
    const checked = await writeTree(dir, v2, { check: true });
    assert.deepEqual(checked.files, [
      { path: "a.yaml", state: "unchanged" },
      { path: "sub/b.yaml", state: "changed" },
      { path: "sub/c.json", state: "created" },
      { path: "sub/old.yaml", state: "removed" },
    ]);
    assert.deepEqual(checked.drifted, [
      "sub/b.yaml",
      "sub/c.json",
      "sub/old.yaml",
    ]);
    assert.equal(
      (await snapshot(dir))["sub/b.yaml"],
      v1[1].content,
      "check mode writes nothing",
    );

    const written = await writeTree(dir, v2, { check: false });
    assert.deepEqual(written.drifted, checked.drifted);
    assert.deepEqual(await snapshot(dir), {
      "a.yaml": v2[0].content,
      "sub/b.yaml": v2[1].content,
      "sub/c.json": v2[2].content,
      "sub/NOTES.md": "mine\n",
    });
    const summary = formatSummary(written);
    assert.match(summary, /1 created, 1 changed, 1 unchanged, 1 removed/);
    assert.match(summary, /changed\s+\S*deploy\/sub\/b\.yaml/);
  });
});

Deno.test("bad paths are refused before anything is written", async () => {
  await withDir(async (dir) => {
    for (const path of ["../escape.yaml", "/abs.yaml", "a//b.yaml", ""]) {
      await assert.rejects(
        writeTree(dir, [{ path, content: "x" }], { check: false }),
        /is not a plain relative path/,
      );
    }
    await assert.rejects(
      writeTree(
        dir,
        [{ path: "a", content: "1" }, { path: "a", content: "2" }],
        { check: false },
      ),
      /a is generated twice/,
    );
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
  });
});

for (const failing of ["writeTextFile", "rename"] as const) {
  Deno.test(`a failing ${failing} leaves the old tree exactly as it was`, async () => {
    await withDir(async (dir) => {
      await writeTree(dir, v1, { check: false });
      const before = await snapshot(dir);
      let calls = 0;
      const fs: Fs = {
        ...denoFs,
        [failing]: (...args: [string, string]) => {
          // Fail part-way: the second call of that kind fails.
          if (++calls === 2) {
            return Promise.reject(new Error(`injected ${failing} failure`));
          }
          return (denoFs[failing] as (a: string, b: string) => Promise<void>)(
            ...args,
          );
        },
      };
      await assert.rejects(
        writeTree(dir, v2, { check: false, fs }),
        /injected/,
      );
      assert.deepEqual(await snapshot(dir), before);
      const parent = dir.slice(0, dir.lastIndexOf("/"));
      const leftovers = [];
      for await (const e of Deno.readDir(parent)) leftovers.push(e.name);
      assert.deepEqual(
        leftovers,
        ["deploy"],
        "no staging directory is left behind",
      );
    });
  });
}
