/** lib/process.ts: reading a child's output line by line; a cleared environment. */
import assert from "node:assert/strict";
import { collect, run } from "../lib/process.ts";

Deno.test("collect: two streams read at once each keep their split characters", async () => {
  // "é\n" in two chunks per stream; the chunks of both streams interleave.
  const split = () => {
    const chunks = [[0xc3], [0xa9, 0x0a]];
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((r) => setTimeout(r, 1));
        const next = chunks.shift();
        if (next) controller.enqueue(new Uint8Array(next));
        else controller.close();
      },
    });
  };
  const lines: string[] = [];
  await Promise.all([
    collect(split(), (l) => lines.push(l)),
    collect(split(), (l) => lines.push(l)),
  ]);
  assert.deepEqual(lines, ["é", "é"]);
});

Deno.test("clearEnv: the child gets its env, PATH, HOME and the cache variables, nothing else of ours", async () => {
  const denoDir = Deno.env.get("DENO_DIR");
  Deno.env.set("SPACE_APP_TEST_LEAK", "ours");
  Deno.env.set("DENO_DIR", denoDir ?? "/tmp/deno-dir-test");
  try {
    const out = await run(["env"], { clearEnv: true, env: { GIVEN: "1" } });
    assert.equal(out.code, 0);
    const seen = new Map(
      out.stdout.trim().split("\n").map((l) => {
        const eq = l.indexOf("=");
        return [l.slice(0, eq), l.slice(eq + 1)];
      }),
    );
    assert.equal(seen.get("GIVEN"), "1");
    for (const name of ["PATH", "HOME", "DENO_DIR"]) {
      assert.equal(seen.get(name), Deno.env.get(name), name);
    }
    assert.equal(seen.has("SPACE_APP_TEST_LEAK"), false);
  } finally {
    Deno.env.delete("SPACE_APP_TEST_LEAK");
    if (denoDir === undefined) Deno.env.delete("DENO_DIR");
  }
});
