/**
 * Native builds of the backends from their Go modules: compose-check and
 * Prometheus with promtool from the wrapper modules under build/, and the
 * collector by the Collector Builder from gen's manifest (Tempo and Loki
 * are AGPL-3.0, which this project neither builds nor fetches). Each lands
 * in `<cache>/<name>-<version>-<key>/`, the key hashing the wrapper's files
 * and build command, or the manifest; it is built in a temporary directory
 * renamed into place, so an interrupted build is never taken as done.
 *
 * @module
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { STACK } from "../../gen/stack.config.ts";
import { imageVersion } from "../../gen/units.ts";
import { run } from "../../lib/process.ts";

/** The versions built: those of the images the typed config pins. */
export const BACKEND_VERSIONS = {
  prometheus: imageVersion(STACK.components.prometheus.image),
  collector: imageVersion(STACK.components.collector.image),
} as const;

export const GO_MISSING =
  'native backend build needs Go >= 1.26: no "go" executable on PATH (install Go, or add its bin/ to PATH)';

/** What every go command here gets on top of the process's environment. */
export const GO_ENV = { GOTOOLCHAIN: "local", CGO_ENABLED: "0" };

const BUILDER = "go.opentelemetry.io/collector/cmd/builder";
const WRAPPERS = fileURLToPath(new URL("./build", import.meta.url));
/**
 * Checksums seeded into the Collector Builder's output: they pin the build,
 * and cover modules whose checksum-database entry the module proxy here does
 * not serve (servicegraphconnector v0.159.0).
 */
const COLLECTOR_SUMS = path.join(WRAPPERS, "otelcol", "go.sum");

/** `$SPACE_APP_CACHE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/space-app/backends`. */
export function defaultCacheDir(env: (name: string) => string | undefined) {
  const explicit = env("SPACE_APP_CACHE");
  if (explicit) return path.resolve(explicit);
  const base = env("XDG_CACHE_HOME") || env("HOME") && `${env("HOME")}/.cache`;
  if (base) return path.resolve(base, "space-app", "backends");
  throw new Error(
    "no cache directory: set SPACE_APP_CACHE, XDG_CACHE_HOME or HOME",
  );
}

type KeyPart = readonly [string, string | Uint8Array];

/** Short (12 hex) SHA-256 over named parts, each length-prefixed. */
export async function cacheKey(parts: readonly KeyPart[]): Promise<string> {
  const enc = new TextEncoder();
  const bytes = parts.flatMap(([name, content]) => {
    const body = typeof content === "string" ? enc.encode(content) : content;
    return [...enc.encode(`${name}\0${body.length}\0`), ...body];
  });
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return new Uint8Array(digest, 0, 6).toHex();
}

function isExecutable(p: string): boolean {
  try {
    const st = Deno.statSync(p);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The first `go` on a PATH string, or throws {@link GO_MISSING}. */
export function locateGo(dirs = Deno.env.get("PATH"), isFile = isExecutable) {
  const found = (dirs ?? "").split(path.delimiter).filter((d) => d)
    .map((d) => path.join(d, "go")).find(isFile);
  if (!found) throw new Error(GO_MISSING);
  return found;
}

/** The version a go.mod requires of `module`, without the leading "v". */
export function requiredVersion(goMod: string, module: string): string {
  const m = goMod.match(
    new RegExp(`^\\s*(?:require\\s+)?${RegExp.escape(module)}\\s+v(\\S+)`, "m"),
  );
  if (!m) throw new Error(`go.mod does not require ${module}`);
  return m[1];
}

/** How many lines of `produced` are missing from `known` (go.sum text). */
export function newSumLines(known: string, produced: string): number {
  const have = new Set(known.split("\n").map((l) => l.trim()));
  return produced.split("\n").filter((l) => l.trim() && !have.has(l.trim()))
    .length;
}

export type BackendPaths = Awaited<ReturnType<typeof ensureBackends>>;

/**
 * Builds whatever is missing from `cache` and returns every path; the
 * collector from the Collector Builder `manifest` (as data). Throws on the
 * first failed build, with the tail of its output.
 */
export async function ensureBackends(
  manifest: Record<string, unknown>,
  log: (line: string) => void,
  cache = defaultCacheDir((name) => Deno.env.get(name)),
) {
  /** Runs go in `cwd`, logging how many modules it downloaded (with `echo`: all it printed). */
  const go = async (argv: string[], cwd: string, env = {}, echo = false) => {
    const out = await run(argv, { cwd, env: { ...GO_ENV, ...env } });
    const lines = `${out.stdout}${out.stderr}`.trimEnd().split("\n");
    const loads = lines.filter((l) => l.startsWith("go: downloading ")).length;
    if (echo) lines.forEach((line) => log(`  ${line}`));
    else if (loads > 0) log(`  downloaded ${loads} modules`);
    if (out.code !== 0) {
      const tail = lines.slice(-30).join("\n");
      throw new Error(`failed (exit ${out.code}): ${argv.join(" ")}\n${tail}`);
    }
  };

  /** `<cache>/<name>-<version>[-<key>]` holding `binaries`, built by `build(go, out)` unless it is there. */
  const ensure = async (
    [name, version]: string[],
    binaries: string[],
    key: KeyPart[] | undefined,
    build: (goPath: string, out: string) => Promise<void>,
  ) => {
    const label = `${name} ${version}`;
    const dir = `${name}-${version}${key ? `-${await cacheKey(key)}` : ""}`;
    const final = path.join(cache, dir);
    const lacks = (at: string) =>
      binaries.find((b) => !isExecutable(path.join(at, b)));
    if (!lacks(final)) {
      log(`${label}: cached, nothing to build (${final})`);
      return final;
    }
    const goPath = locateGo();
    await Deno.mkdir(cache, { recursive: true });
    await removeStaleTmp(cache);
    const tmp = await Deno.makeTempDir({ dir: cache, prefix: `.tmp-${dir}-` });
    const started = performance.now();
    log(`${label}: building into ${final}`);
    try {
      await build(goPath, tmp);
      const missing = lacks(tmp);
      if (missing) throw new Error(`${label}: build left no ${missing}`);
      await Deno.chmod(tmp, 0o755);
      // Unless another process finished the same build meanwhile: keep its result.
      if (lacks(final)) {
        await Deno.remove(final, { recursive: true }).catch(() => {});
        await Deno.rename(tmp, final);
      }
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
    const seconds = (performance.now() - started) / 1000;
    log(`${label}: built in ${seconds.toFixed(0)}s`);
    return final;
  };

  /** `go build` in the wrapper module `name` under build/; `OUT` in `args` is the output directory. */
  const wrapper = async (id: string[], binaries: string[], args: string[]) => {
    const src = path.join(WRAPPERS, id[0]);
    const argv = ["build", "-mod=readonly", "-trimpath", ...args];
    const files = (await Array.fromAsync(Deno.readDir(src)))
      .filter((e) => e.isFile).map((e) => e.name).sort();
    const key: KeyPart[] = await Promise.all(
      files.map(async (f) => [f, await Deno.readFile(path.join(src, f))]),
    );
    key.push(["command", ["go", ...argv].join(" ")]);
    return await ensure(
      id,
      binaries,
      key,
      (goPath, out) =>
        go([goPath, ...argv.map((a) => a.replace(/^OUT/, out))], src),
    );
  };

  const ccMod = await Deno.readTextFile(`${WRAPPERS}/composecheck/go.mod`);
  const cc = requiredVersion(ccMod, "github.com/compose-spec/compose-go/v2");
  const composeCheck = await wrapper(["composecheck", cc], ["compose-check"], [
    "-ldflags=-s -w",
    "-o",
    "OUT/compose-check",
    ".",
  ]);
  const prom = BACKEND_VERSIONS.prometheus;
  const tools = ["prometheus", "promtool"];
  const prometheus = await wrapper(["prometheus", prom], tools, [
    `-ldflags=-s -w -X github.com/prometheus/common/version.Version=${prom}`,
    "-o",
    "OUT/",
    ...tools.map((t) => `github.com/prometheus/prometheus/cmd/${t}`),
  ]);

  const version = BACKEND_VERSIONS.collector;
  const binary = String((manifest.dist as { name: unknown }).name);
  const builder = `${BUILDER}@v${version}`;
  const sums = await Deno.readTextFile(COLLECTOR_SUMS);
  const otelcol = await ensure(
    ["otelcol", version],
    [binary],
    [
      ["builder", builder],
      ["manifest", JSON.stringify(manifest, null, 2)],
      ["go.sum", sums],
    ],
    async (goPath, out) => {
      const install = ["install", "-trimpath", "-ldflags=-s -w", builder];
      const ocb = await ensure(
        ["ocb", version],
        ["builder"],
        undefined,
        (goPath, out) => go([goPath, ...install], out, { GOBIN: out }),
      );
      const config = path.join(out, "manifest.yaml");
      const dist = { ...manifest.dist as object, output_path: out, go: goPath };
      await Deno.writeTextFile(config, stringify({ ...manifest, dist }));
      // The builder writes go.mod but keeps a go.sum it finds, so these
      // checksums are used instead of asking the checksum database.
      await Deno.writeTextFile(path.join(out, "go.sum"), sums);
      await go([path.join(ocb, "builder"), "--config", config], out, {}, true);
      const added = newSumLines(sums, await Deno.readTextFile(`${out}/go.sum`));
      if (added > 0) {
        log(
          `  ${added} checksums are not in ${COLLECTOR_SUMS}; copy ${out}/go.sum there to pin them`,
        );
      }
    },
  );
  return {
    composeCheck: path.join(composeCheck, "compose-check"),
    prometheus: path.join(prometheus, "prometheus"),
    promtool: path.join(prometheus, "promtool"),
    otelcol: path.join(otelcol, binary),
  };
}

/** Removes `.tmp-*` build directories that killed builds left a day or more ago. */
async function removeStaleTmp(cache: string): Promise<void> {
  for await (const e of Deno.readDir(cache)) {
    if (!e.isDirectory || !e.name.startsWith(".tmp-")) continue;
    const p = path.join(cache, e.name);
    const mtime = (await Deno.stat(p)).mtime?.getTime() ?? Date.now();
    if (Date.now() - mtime > 86_400_000) {
      await Deno.remove(p, { recursive: true }).catch(() => {});
    }
  }
}
