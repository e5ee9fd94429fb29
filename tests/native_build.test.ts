/**
 * The pure parts of the native backend build (stack/native/build.ts): cache
 * directory choice, cache keys, the missing-Go message, and that the wrapper
 * go.mod files agree with the pinned versions. Nothing is built here.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  BACKEND_VERSIONS,
  cacheKey,
  defaultCacheDir,
  GO_ENV,
  GO_MISSING,
  locateGo,
  newSumLines,
  requiredVersion,
} from "../stack/native/build.ts";

const BUILD_DIR = new URL("../stack/native/build/", import.meta.url);

/**
 * The Go module version of a Prometheus release: 3.14.0 is v0.314.0 (the
 * module stays on v0 and encodes major and minor in its minor).
 */
function prometheusModuleVersion(release: string): string {
  const [major, minor, patch] = release.split(".").map(Number);
  return `0.${major * 100 + minor}.${patch}`;
}

function envOf(vars: Record<string, string>) {
  return (name: string) => vars[name];
}

Deno.test("cache dir: SPACE_APP_CACHE wins", () => {
  const dir = defaultCacheDir(envOf({
    SPACE_APP_CACHE: "/var/cache/sa",
    XDG_CACHE_HOME: "/x",
    HOME: "/h",
  }));
  assert.equal(dir, "/var/cache/sa");
});

Deno.test("cache dir: XDG_CACHE_HOME before HOME", () => {
  const dir = defaultCacheDir(envOf({ XDG_CACHE_HOME: "/x", HOME: "/h" }));
  assert.equal(dir, "/x/space-app/backends");
});

Deno.test("cache dir: HOME/.cache when XDG_CACHE_HOME is unset or empty", () => {
  assert.equal(
    defaultCacheDir(envOf({ HOME: "/h" })),
    "/h/.cache/space-app/backends",
  );
  assert.equal(
    defaultCacheDir(envOf({ HOME: "/h", XDG_CACHE_HOME: "" })),
    "/h/.cache/space-app/backends",
  );
});

Deno.test("cache dir: no variable at all is an error", () => {
  assert.throws(() => defaultCacheDir(envOf({})), /SPACE_APP_CACHE/);
});

Deno.test("cache key: stable, short, and changes with go.mod", async () => {
  const goMod = "module x\n\nrequire a v1.0.0\n";
  const goSum = "a v1.0.0 h1:abc=\n";
  const key = await cacheKey([["go.mod", goMod], ["go.sum", goSum]]);
  assert.match(key, /^[0-9a-f]{12}$/);
  assert.equal(
    await cacheKey([["go.mod", goMod], ["go.sum", goSum]]),
    key,
  );
  const bumped = goMod.replace("v1.0.0", "v1.0.1");
  assert.notEqual(
    await cacheKey([["go.mod", bumped], ["go.sum", goSum]]),
    key,
  );
});

Deno.test("cache key: changes with the collector manifest", async () => {
  const manifest = "dist:\n  name: otelcol-space-app\n";
  const a = await cacheKey([["manifest", manifest]]);
  const b = await cacheKey([["manifest", manifest + "receivers: []\n"]]);
  assert.notEqual(a, b);
});

Deno.test("cache key: parts are length-prefixed", async () => {
  const a = await cacheKey([["go.mod", "ab"], ["go.sum", "c"]]);
  const b = await cacheKey([["go.mod", "a"], ["go.sum", "bc"]]);
  assert.notEqual(a, b);
});

Deno.test("missing go: one clear line", () => {
  assert.ok(!GO_MISSING.includes("\n"));
  assert.match(GO_MISSING, /"go"/);
  assert.match(GO_MISSING, /PATH/);
  assert.throws(() => locateGo("/nope:/also-nope", () => false), {
    message: GO_MISSING,
  });
  assert.throws(() => locateGo(undefined, () => false), {
    message: GO_MISSING,
  });
});

Deno.test("locateGo: first match in PATH order, empty entries skipped", () => {
  const present = new Set(["/b/go", "/c/go"]);
  const found = locateGo(":/a:/b:/c", (p) => present.has(p));
  assert.equal(found, path.join("/b", "go"));
});

Deno.test("go commands run with the local toolchain and without cgo", () => {
  assert.deepEqual(GO_ENV, { GOTOOLCHAIN: "local", CGO_ENABLED: "0" });
});

Deno.test("prometheus: release 3.14.0 is module v0.314.0", () => {
  assert.equal(prometheusModuleVersion("3.14.0"), "0.314.0");
  assert.equal(prometheusModuleVersion("3.5.2"), "0.305.2");
});

Deno.test("wrapper go.mod files match BACKEND_VERSIONS", async () => {
  const prom = await Deno.readTextFile(
    new URL("prometheus/go.mod", BUILD_DIR),
  );
  assert.equal(
    requiredVersion(prom, "github.com/prometheus/prometheus"),
    prometheusModuleVersion(BACKEND_VERSIONS.prometheus),
  );
  const cc = await Deno.readTextFile(new URL("composecheck/go.mod", BUILD_DIR));
  assert.match(
    requiredVersion(cc, "github.com/compose-spec/compose-go/v2"),
    /^2\.\d+\.\d+$/,
  );
});

Deno.test("requiredVersion: single-line and block requires", () => {
  const goMod = [
    "module m",
    "require a.example/x v1.2.3",
    "require (",
    "\tb.example/y v0.4.0 // indirect",
    ")",
  ].join("\n");
  assert.equal(requiredVersion(goMod, "a.example/x"), "1.2.3");
  assert.equal(requiredVersion(goMod, "b.example/y"), "0.4.0");
  assert.throws(() => requiredVersion(goMod, "a.example"), /does not require/);
});

Deno.test("collector checksums: counts lines the committed go.sum lacks", () => {
  const known = "a v1 h1:x=\na v1/go.mod h1:y=\n";
  assert.equal(newSumLines(known, known), 0);
  assert.equal(newSumLines(known, known + "b v2 h1:z=\n\n"), 1);
});

Deno.test("collector checksums are seeded with servicegraphconnector", async () => {
  const sums = await Deno.readTextFile(new URL("otelcol/go.sum", BUILD_DIR));
  assert.match(
    sums,
    new RegExp(
      `connector/servicegraphconnector v${BACKEND_VERSIONS.collector} h1:`,
    ),
  );
});
