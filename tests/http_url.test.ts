/**
 * http(s) URLs that fetch can reach: the bad-port list matches what Deno's
 * fetch really refuses, and every reader of a URL names the port.
 */
import assert from "node:assert/strict";
import {
  blockedPortReason,
  FETCH_BLOCKED_PORTS,
  parseHttpUrl,
} from "../lib/http_url.ts";
import { readTelemetryConfig } from "../telemetry/config.ts";
import { parseLoadgenArgs } from "../loadgen/flags.ts";
import { SERVICE_DEFAULTS } from "../main.ts";

/** How Deno's fetch answers a request to 127.0.0.1:port. */
async function fetchRefuses(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    return false;
  } catch (error) {
    return /are blocked/.test(String(error));
  }
}

Deno.test("the list is exactly the ports Deno's fetch refuses", async () => {
  // Every listed port, and each one's neighbours, which are allowed.
  const probes = new Set<number>();
  for (const port of FETCH_BLOCKED_PORTS) {
    for (const p of [port - 1, port, port + 1]) if (p >= 1) probes.add(p);
  }
  for (const p of [80, 443, 3000, 4318, 8000, 9090]) probes.add(p);
  const refused = await Promise.all(
    [...probes].map(async (p) => [p, await fetchRefuses(p)] as const),
  );
  for (const [port, isRefused] of refused) {
    assert.equal(
      isRefused,
      FETCH_BLOCKED_PORTS.has(port),
      `port ${port}: fetch ${isRefused ? "refuses" : "allows"} it`,
    );
  }
});

Deno.test("parseHttpUrl: scheme, default ports, bad ports", () => {
  const parsed = parseHttpUrl(" http://collector:4318 ");
  assert.ok("url" in parsed);
  assert.equal(parsed.url.href, "http://collector:4318/");
  assert.ok("url" in parseHttpUrl("https://example.com/"));
  assert.ok("url" in parseHttpUrl("http://example.com/"));
  assert.deepEqual(parseHttpUrl("collector:4318"), {
    expected: "an absolute http:// or https:// URL",
  });
  assert.deepEqual(parseHttpUrl("ftp://x/"), {
    expected: "an absolute http:// or https:// URL",
  });
  assert.deepEqual(parseHttpUrl("http://collector:6000"), {
    expected:
      "an absolute http:// or https:// URL on another port: port 6000 is one fetch refuses (the Fetch standard's bad ports)",
  });
  assert.equal(blockedPortReason(4318), undefined);
});

Deno.test("OTLP endpoints and loadgen's target refuse a bad port by name", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.throws(
    () =>
      readTelemetryConfig(
        env({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://c:10080/v1/logs" }),
        SERVICE_DEFAULTS,
      ),
    {
      message:
        'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http://c:10080/v1/logs" is invalid: expected an absolute http:// or https:// URL on another port: port 10080 is one fetch refuses (the Fetch standard\'s bad ports)',
    },
  );
  assert.throws(
    () => parseLoadgenArgs([], env({ TARGET_BASE_URL: "http://app:6666" })),
    {
      message:
        'TARGET_BASE_URL="http://app:6666" is invalid: expected an absolute http:// or https:// URL on another port: port 6666 is one fetch refuses (the Fetch standard\'s bad ports)',
    },
  );
});
