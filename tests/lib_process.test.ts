/** lib/process.ts: reading a child's output line by line. */
import assert from "node:assert/strict";
import { collect } from "../lib/process.ts";

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
