/**
 * `deno task gen` end to end: it writes the tree, `--check` finds drift,
 * `--out` redirects, and a bad config or flag changes nothing on disk.
 */
import assert from "node:assert/strict";
import { ROOT } from "./_helpers.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function gen(...args: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--frozen",
      "gen/main.ts",
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

/** Every file under `dir` with its content, paths relative to `dir`. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(at: string, rel: string) {
    for await (const entry of Deno.readDir(at)) {
      const path = `${at}/${entry.name}`;
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(path, relPath);
      else files.set(relPath, await Deno.readTextFile(path));
    }
  }
  await walk(dir, "");
  return files;
}

Deno.test("gen --out writes the tree; --check passes on it and fails after an edit", async () => {
  const out = await Deno.makeTempDir({ prefix: "gen-cli-" });
  try {
    const first = await gen("--out", out);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /created/);
    const tree = await snapshot(out);
    assert.ok(tree.has("compose/compose.yaml"));
    assert.ok(tree.has("k8s/base/kustomization.yaml"));
    assert.ok(tree.has("k8s/overlays/local/kustomization.yaml"));
    assert.ok(tree.has("k8s/overlays/production/kustomization.yaml"));

    const clean = await gen("--check", "--out", out);
    assert.equal(clean.code, 0, clean.stderr);

    const edited = "k8s/base/config/prometheus/prometheus.yml";
    await Deno.writeTextFile(`${out}/${edited}`, "# edited by hand\n", {
      append: true,
    });
    const drift = await gen("--check", "--out", out);
    assert.equal(drift.code, 1);
    assert.match(drift.stderr, new RegExp(edited.replaceAll("/", "\\/")));
    assert.equal(
      (await snapshot(out)).get(edited)?.endsWith("# edited by hand\n"),
      true,
      "--check writes nothing",
    );

    const again = await gen("--out", out);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      await snapshot(out),
      tree,
      "a second run restores the same bytes",
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a bad config fails with one line per problem and leaves the output untouched", async () => {
  const out = await Deno.makeTempDir({ prefix: "gen-cli-" });
  try {
    assert.equal((await gen("--out", out)).code, 0);
    const before = await snapshot(out);
    const bad = `${out}.config.ts`;
    await Deno.writeTextFile(
      bad,
      `import { override } from "${ROOT}gen/override.ts";
export default (stack) => override(stack, ${
        JSON.stringify({
          components: {
            grafana: { port: 9090 },
            prometheus: { retention: "two weeks" },
          },
          overlays: { production: { storageClass: "" } },
        })
      });\n`,
    );
    try {
      const run = await gen("--config", bad, "--out", out);
      assert.equal(run.code, 1);
      const lines = run.stderr.trim().split("\n");
      assert.ok(
        lines.some((l) =>
          l.startsWith("gen: components.grafana.port: 9090 is invalid")
        ),
        run.stderr,
      );
      assert.ok(
        lines.some((l) =>
          l.startsWith(
            'gen: components.prometheus.retention: "two weeks" is invalid',
          )
        ),
        run.stderr,
      );
      assert.ok(
        lines.some((l) =>
          l.startsWith('gen: overlays.production.storageClass: "" is invalid')
        ),
        run.stderr,
      );
      assert.equal(lines.at(-1), "gen: nothing was written");
      assert.deepEqual(await snapshot(out), before);
    } finally {
      await Deno.remove(bad);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("bad flags exit 2 naming the flag", async () => {
  const unknown = await gen("--chek");
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^gen: unknown argument "--chek": expected --check, --out VALUE, --config VALUE/,
  );
  const missing = await gen("--out");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^gen: --out needs a value/);
  const unreadable = await gen(
    "--config",
    "/nonexistent/stack.ts",
    "--check",
  );
  assert.equal(unreadable.code, 1);
  assert.match(
    unreadable.stderr,
    /--config \/nonexistent\/stack.ts: cannot load it/,
  );
});

Deno.test("the committed deploy/ matches the config (deno task gen --check)", async () => {
  const run = await gen("--check");
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
});
