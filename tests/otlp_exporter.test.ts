/**
 * The OTLP/HTTP transport: what it retries, what it does not, timeouts,
 * gzip, and the exporter's callback contract.
 */
import assert from "node:assert/strict";
import { ExportResultCode } from "@opentelemetry/core";
import {
  OtlpExportError,
  OtlpProtoExporter,
  postOtlp,
} from "../telemetry/otlp/exporter.ts";

/** A local endpoint answering from a script of statuses (the last repeats). */
function endpoint(statuses: number[], delayMs = 0) {
  const seen: {
    encoding: string | null;
    type: string | null;
    body: Uint8Array;
    auth: string | null;
  }[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, async (req) => {
    seen.push({
      encoding: req.headers.get("content-encoding"),
      type: req.headers.get("content-type"),
      auth: req.headers.get("authorization"),
      body: new Uint8Array(await req.arrayBuffer()),
    });
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const status = statuses[Math.min(seen.length - 1, statuses.length - 1)];
    return new Response(status === 200 ? null : "nope", { status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/v1/traces`,
    seen,
    close: () => server.shutdown(),
  };
}

const options = (url: string, timeoutMs = 2000) => ({
  url,
  headers: { authorization: "Bearer t" },
  timeoutMs,
  compression: "none" as const,
});

Deno.test("posts protobuf with the configured headers", async () => {
  const e = endpoint([200]);
  try {
    await postOtlp(options(e.url), new Uint8Array([1, 2, 3]));
    assert.equal(e.seen.length, 1);
    assert.equal(e.seen[0].type, "application/x-protobuf");
    assert.equal(e.seen[0].auth, "Bearer t");
    assert.deepEqual([...e.seen[0].body], [1, 2, 3]);
  } finally {
    await e.close();
  }
});

Deno.test("retries 503 and 429, then succeeds", async () => {
  const e = endpoint([503, 429, 200]);
  try {
    await postOtlp(options(e.url), new Uint8Array([1]));
    assert.equal(e.seen.length, 3);
  } finally {
    await e.close();
  }
});

Deno.test("does not retry 400; the error names the status", async () => {
  const e = endpoint([400]);
  try {
    await assert.rejects(
      postOtlp(options(e.url), new Uint8Array([1])),
      (err: unknown) =>
        err instanceof OtlpExportError &&
        /answered 400: nope/.test(err.message),
    );
    assert.equal(e.seen.length, 1);
  } finally {
    await e.close();
  }
});

Deno.test("a hanging endpoint fails at the timeout", async () => {
  const e = endpoint([200], 1200);
  const started = performance.now();
  try {
    await assert.rejects(
      postOtlp(options(e.url, 300), new Uint8Array([1])),
      /timed out after 300 ms/,
    );
    assert.ok(performance.now() - started < 1000);
  } finally {
    await e.close();
  }
});

Deno.test("a refused connection is retried, then fails within the timeout", async () => {
  const e = endpoint([200]);
  await e.close();
  await assert.rejects(
    postOtlp(options(e.url, 1000), new Uint8Array([1])),
    OtlpExportError,
  );
});

Deno.test("gzip compresses the body and says so", async () => {
  const e = endpoint([200]);
  try {
    const body = new TextEncoder().encode("x".repeat(1000));
    await postOtlp({ ...options(e.url), compression: "gzip" }, body);
    assert.equal(e.seen[0].encoding, "gzip");
    assert.ok(e.seen[0].body.length < 100);
    const unzipped = new Uint8Array(
      await new Response(
        new Blob([e.seen[0].body as BlobPart]).stream().pipeThrough(
          new DecompressionStream("gzip"),
        ),
      )
        .arrayBuffer(),
    );
    assert.deepEqual(unzipped, body);
  } finally {
    await e.close();
  }
});

Deno.test("the exporter reports each outcome once and refuses after shutdown", async () => {
  const e = endpoint([200, 400]);
  try {
    const exporter = new OtlpProtoExporter<number>(
      options(e.url),
      (items) => new Uint8Array(items),
    );
    const outcome = (items: number[]) =>
      new Promise((resolve) => exporter.export(items, resolve));
    assert.deepEqual(await outcome([7]), { code: ExportResultCode.SUCCESS });
    const failed = await outcome([8]) as { code: number; error: Error };
    assert.equal(failed.code, ExportResultCode.FAILED);
    await exporter.shutdown();
    const refused = await outcome([9]) as { code: number; error: Error };
    assert.equal(refused.code, ExportResultCode.FAILED);
    assert.match(refused.error.message, /shut down/);
    assert.equal(e.seen.length, 2);
  } finally {
    await e.close();
  }
});
