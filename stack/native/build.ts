/**
 * Native builds of the stack's backends from their Go modules, for machines
 * without a container engine: Prometheus (and promtool), an OpenTelemetry
 * Collector made by the Collector Builder from a manifest, and compose-check
 * (our Compose-file checker, see build/composecheck/).
 *
 * Each build lands in `<cache>/<name>-<version>-<key>/`, where the key hashes
 * the wrapper module under build/ (go.mod, go.sum, sources) or the collector
 * manifest. A build is written to a temporary directory and renamed into
 * place, so an interrupted build is never taken as done, and a second run
 * builds nothing.
 *
 * Tempo and Loki are not built here: see {@link NATIVE_UNAVAILABLE}.
 *
 * CLI: `deno run -A stack/native/build.ts --manifest FILE [--only NAME]...`
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { STACK } from "../../gen/stack.config.ts";
import { imageVersion } from "../../gen/units.ts";

/**
 * The versions built: those of the images the typed config pins, so the
 * native run and the deployed stack cannot differ.
 */
export const BACKEND_VERSIONS = {
  prometheus: imageVersion(STACK.components.prometheus.image),
  collector: imageVersion(STACK.components.collector.image),
} as const;

/** Why a backend has no native build. */
export const NATIVE_UNAVAILABLE = {
  tempo:
    "github.com/grafana/tempo is AGPL-3.0, which this project does not build or fetch (the Go module proxy CI uses also refuses it: 403)",
  loki:
    "github.com/grafana/loki/v3 is AGPL-3.0, which this project does not build or fetch",
} as const;

/** Absolute paths of the built executables. */
export interface BackendPaths {
  readonly prometheus: string;
  readonly promtool: string;
  readonly otelcol: string;
  readonly composeCheck: string;
}

/** What {@link ensureBackends} can build. */
export type BuildTarget = "prometheus" | "otelcol" | "compose-check";

/** Every {@link BuildTarget}, in build order. */
export const BUILD_TARGETS: readonly BuildTarget[] = [
  "compose-check",
  "prometheus",
  "otelcol",
];

/** Options shared by the builders. */
export interface BuildOptions {
  /** Where builds are kept; default {@link defaultCacheDir} of the process env. */
  readonly cacheDir?: string;
  /** Progress lines; default: stderr. */
  readonly log?: (line: string) => void;
}

/** Options of {@link ensureBackends}. */
export interface EnsureOptions extends BuildOptions {
  /** Collector Builder manifest (YAML); needed when otelcol is built. */
  readonly collectorManifest?: string;
  /** Build only these; default all. */
  readonly only?: readonly BuildTarget[];
}

/** Go module of the Collector Builder. */
const BUILDER_MODULE = "go.opentelemetry.io/collector/cmd/builder";
const PROMETHEUS_PACKAGES = [
  "github.com/prometheus/prometheus/cmd/prometheus",
  "github.com/prometheus/prometheus/cmd/promtool",
];
/** Binary name the builder uses when the manifest sets no dist.name. */
const BUILDER_DEFAULT_NAME = "otelcorecol";
/** `go build` and the flags every build here uses (part of the cache keys). */
function goBuild(ldflags = "-s -w"): string[] {
  return ["build", "-mod=readonly", "-trimpath", `-ldflags=${ldflags}`];
}
/** Leftover temporary build directories older than this are removed. */
const STALE_TMP_MS = 24 * 60 * 60 * 1000;

const WRAPPERS = fileURLToPath(new URL("./build/", import.meta.url));
/**
 * Checksums for the collector's modules, seeded into the builder's output:
 * they pin the build, and cover modules whose checksum-database entry the
 * module proxy here does not serve (servicegraphconnector v0.159.0).
 */
const COLLECTOR_SUMS = path.join(WRAPPERS, "otelcol", "go.sum");

/**
 * The cache directory: `$SPACE_APP_CACHE` if set, else
 * `${XDG_CACHE_HOME:-$HOME/.cache}/space-app/backends`.
 */
export function defaultCacheDir(
  env: (name: string) => string | undefined,
): string {
  const explicit = env("SPACE_APP_CACHE");
  if (explicit) return path.resolve(explicit);
  const xdg = env("XDG_CACHE_HOME");
  const home = env("HOME");
  if (!xdg && !home) {
    throw new Error(
      "no cache directory: set SPACE_APP_CACHE, XDG_CACHE_HOME or HOME",
    );
  }
  const base = xdg ? xdg : path.join(home!, ".cache");
  return path.resolve(base, "space-app", "backends");
}

/**
 * Short (12 hex) SHA-256 over named parts; each part is length-prefixed so
 * moving bytes from one part to the next changes the key.
 */
export async function cacheKey(
  parts: ReadonlyArray<readonly [string, string | Uint8Array]>,
): Promise<string> {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const [name, content] of parts) {
    const bytes = typeof content === "string" ? enc.encode(content) : content;
    chunks.push(enc.encode(`${name}\0${bytes.length}\0`), bytes);
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The one-line error for a machine without Go. */
export function goMissingMessage(): string {
  return 'native backend build needs Go >= 1.26: no "go" executable on PATH (install Go, or add its bin/ to PATH)';
}

/**
 * Finds an executable on a PATH string; `isFile` is injected so tests run
 * without touching the disk.
 */
export function findOnPath(
  name: string,
  pathEnv: string | undefined,
  isFile: (candidate: string) => boolean,
): string | undefined {
  for (const dir of (pathEnv ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

/** The `go` executable on PATH, or a one-line error. */
export function locateGo(
  pathEnv: string | undefined = Deno.env.get("PATH"),
  isFile: (candidate: string) => boolean = isExecutable,
): string {
  const found = findOnPath("go", pathEnv, isFile);
  if (!found) throw new Error(goMissingMessage());
  return found;
}

/** The version a go.mod requires of `module`, without the leading "v". */
export function requiredVersion(goMod: string, module: string): string {
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = goMod.match(
    new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+v(\\S+)`, "m"),
  );
  if (!m) throw new Error(`go.mod does not require ${module}`);
  return m[1];
}

/**
 * The Go module version of a Prometheus release: 3.14.0 is v0.314.0 (the
 * module stays on v0 and encodes major and minor in its minor).
 */
export function prometheusModuleVersion(release: string): string {
  const [major, minor, patch] = release.split(".").map(Number);
  return `0.${major * 100 + minor}.${patch}`;
}

/** The binary name a Collector Builder manifest produces. */
export function collectorBinaryName(manifest: string): string {
  const doc = parseYaml(manifest) as { dist?: { name?: unknown } } | null;
  const name = doc?.dist?.name;
  return typeof name === "string" && name !== "" ? name : BUILDER_DEFAULT_NAME;
}

/**
 * The manifest with its output directory (and the go executable) replaced,
 * so the builder writes into our temporary directory.
 */
export function retargetManifest(
  manifest: string,
  outputPath: string,
  go: string,
): string {
  const doc = (parseYaml(manifest) ?? {}) as Record<string, unknown>;
  const dist = (doc.dist ?? {}) as Record<string, unknown>;
  doc.dist = { ...dist, output_path: outputPath, go };
  return stringifyYaml(doc);
}

/**
 * Builds whatever is missing from the cache and returns every path.
 * Throws on the first failed build, with the tail of its output.
 */
export async function ensureBackends(
  opts: EnsureOptions & { only?: undefined },
): Promise<BackendPaths>;
/** Builds only the selected targets; the result has only their paths. */
export async function ensureBackends(
  opts: EnsureOptions,
): Promise<Partial<BackendPaths>>;
export async function ensureBackends(
  opts: EnsureOptions,
): Promise<Partial<BackendPaths>> {
  const targets = opts.only ?? BUILD_TARGETS;
  if (targets.includes("otelcol") && !opts.collectorManifest) {
    throw new Error("building otelcol needs collectorManifest");
  }
  const paths: { -readonly [K in keyof BackendPaths]?: string } = {};
  if (targets.includes("compose-check")) {
    paths.composeCheck = await ensureComposeCheck(opts);
  }
  if (targets.includes("prometheus")) {
    Object.assign(paths, await ensurePrometheus(opts));
  }
  if (opts.collectorManifest && targets.includes("otelcol")) {
    paths.otelcol = await ensureCollector(opts.collectorManifest, opts);
  }
  return paths;
}

/** Prometheus and promtool, built from build/prometheus/. */
export async function ensurePrometheus(
  opts: BuildOptions = {},
): Promise<{ prometheus: string; promtool: string }> {
  const version = BACKEND_VERSIONS.prometheus;
  const ldflags =
    `-s -w -X github.com/prometheus/common/version.Version=${version}`;
  const dir = await ensureWrapperBuild(
    "prometheus",
    version,
    ["prometheus", "promtool"],
    (go, out) => [
      go,
      ...goBuild(ldflags),
      "-o",
      out + path.sep,
      ...PROMETHEUS_PACKAGES,
    ],
    opts,
  );
  return {
    prometheus: path.join(dir, "prometheus"),
    promtool: path.join(dir, "promtool"),
  };
}

/** compose-check, built from build/composecheck/. */
export async function ensureComposeCheck(
  opts: BuildOptions = {},
): Promise<string> {
  const goMod = await Deno.readTextFile(
    path.join(WRAPPERS, "composecheck", "go.mod"),
  );
  const version = requiredVersion(
    goMod,
    "github.com/compose-spec/compose-go/v2",
  );
  const dir = await ensureWrapperBuild(
    "composecheck",
    version,
    ["compose-check"],
    (go, out) => [
      go,
      ...goBuild(),
      "-o",
      path.join(out, "compose-check"),
      ".",
    ],
    opts,
  );
  return path.join(dir, "compose-check");
}

/**
 * The collector built by the Collector Builder from `manifestPath`; the
 * cache key hashes the manifest content and the known checksums. The
 * generated sources (with their go.mod and go.sum) stay beside the binary.
 */
export async function ensureCollector(
  manifestPath: string,
  opts: BuildOptions = {},
): Promise<string> {
  const version = BACKEND_VERSIONS.collector;
  const manifest = await Deno.readTextFile(manifestPath);
  const binary = collectorBinaryName(manifest);
  const knownSums = await Deno.readTextFile(COLLECTOR_SUMS);
  const key = await cacheKey([
    ["builder", `${BUILDER_MODULE}@v${version}`],
    ["manifest", manifest],
    ["go.sum", knownSums],
  ]);
  const dir = await ensureBuilt(`otelcol-${version}-${key}`, [binary], opts, {
    label: `otelcol ${version}`,
    build: async (go, out, log) => {
      const builder = await ensureBuilder(go, opts);
      const retargeted = path.join(out, "manifest.yaml");
      await Deno.writeTextFile(retargeted, retargetManifest(manifest, out, go));
      // The builder writes go.mod but keeps a go.sum it finds, so these
      // checksums are used instead of asking the checksum database.
      await Deno.writeTextFile(path.join(out, "go.sum"), knownSums);
      await run(
        [builder, "--config", retargeted],
        { cwd: out, echo: true },
        log,
      );
      const added = newSumLines(
        knownSums,
        await Deno.readTextFile(path.join(out, "go.sum")),
      );
      if (added > 0) {
        log(
          `  ${added} checksums are not in ${COLLECTOR_SUMS}; copy ${out}/go.sum there to pin them`,
        );
      }
    },
  });
  return path.join(dir, binary);
}

/** How many lines of `produced` are missing from `known` (go.sum text). */
export function newSumLines(known: string, produced: string): number {
  const have = new Set(known.split("\n").map((l) => l.trim()));
  return produced.split("\n").filter((l) => l.trim() && !have.has(l.trim()))
    .length;
}

/** The Collector Builder itself, `go install`ed into the cache. */
async function ensureBuilder(go: string, opts: BuildOptions): Promise<string> {
  const version = BACKEND_VERSIONS.collector;
  const dir = await ensureBuilt(`ocb-${version}`, ["builder"], opts, {
    label: `collector builder ${version}`,
    build: (go, out, log) =>
      run(
        [
          go,
          "install",
          "-trimpath",
          "-ldflags=-s -w",
          `${BUILDER_MODULE}@v${version}`,
        ],
        { cwd: out, env: { GOBIN: out } },
        log,
      ),
  }, go);
  return path.join(dir, "builder");
}

/**
 * A build of a wrapper module under build/: the key hashes its files and
 * the build command, and `go build` runs in the wrapper's directory.
 */
async function ensureWrapperBuild(
  wrapper: string,
  version: string,
  binaries: readonly string[],
  command: (go: string, out: string) => string[],
  opts: BuildOptions,
): Promise<string> {
  const src = path.join(WRAPPERS, wrapper);
  const files = await wrapperFiles(src);
  const key = await cacheKey([
    ...files,
    ["command", command("go", "OUT").join(" ")],
  ]);
  return await ensureBuilt(`${wrapper}-${version}-${key}`, binaries, opts, {
    label: `${wrapper} ${version}`,
    build: (go, out, log) => run(command(go, out), { cwd: src }, log),
  });
}

/** The wrapper's regular files (go.mod, go.sum, *.go), sorted by name. */
async function wrapperFiles(
  dir: string,
): Promise<Array<[string, Uint8Array]>> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  names.sort();
  return await Promise.all(
    names.map(async (n) =>
      [n, await Deno.readFile(path.join(dir, n))] as [string, Uint8Array]
    ),
  );
}

interface BuildStep {
  /** What the log lines call it. */
  readonly label: string;
  /** Fills `out`; must leave the expected binaries there. */
  build(go: string, out: string, log: (line: string) => void): Promise<void>;
}

/**
 * `<cache>/<dirName>` if it holds all `binaries`; else runs the step in a
 * fresh temporary directory and renames that into place.
 */
async function ensureBuilt(
  dirName: string,
  binaries: readonly string[],
  opts: BuildOptions,
  step: BuildStep,
  go?: string,
): Promise<string> {
  const log = opts.log ?? writeStderr;
  const cache = path.resolve(
    opts.cacheDir ?? defaultCacheDir((k) => Deno.env.get(k)),
  );
  const final = path.join(cache, dirName);
  const complete = () =>
    binaries.every((b) => isExecutable(path.join(final, b)));
  if (complete()) {
    log(`${step.label}: cached, nothing to build (${final})`);
    return final;
  }
  const goPath = go ?? locateGo();
  await Deno.mkdir(cache, { recursive: true });
  await removeStaleTmp(cache, Date.now());
  const tmp = await Deno.makeTempDir({
    dir: cache,
    prefix: `.tmp-${dirName}-`,
  });
  const started = performance.now();
  log(`${step.label}: building into ${final}`);
  try {
    await step.build(goPath, tmp, log);
    for (const b of binaries) {
      if (!isExecutable(path.join(tmp, b))) {
        throw new Error(`${step.label}: build left no ${b}`);
      }
    }
    await Deno.chmod(tmp, 0o755);
    if (complete()) {
      // Another process finished the same build meanwhile: keep its result.
      await Deno.remove(tmp, { recursive: true });
    } else {
      await Deno.remove(final, { recursive: true }).catch(() => {});
      await Deno.rename(tmp, final);
    }
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
  const secs = ((performance.now() - started) / 1000).toFixed(0);
  log(`${step.label}: built in ${secs}s`);
  return final;
}

/** Removes `.tmp-*` build directories left by builds killed long ago. */
async function removeStaleTmp(cache: string, now: number): Promise<void> {
  for await (const e of Deno.readDir(cache)) {
    if (!e.isDirectory || !e.name.startsWith(".tmp-")) continue;
    const p = path.join(cache, e.name);
    const mtime = (await Deno.stat(p)).mtime?.getTime() ?? now;
    if (now - mtime > STALE_TMP_MS) {
      await Deno.remove(p, { recursive: true }).catch(() => {});
    }
  }
}

/** The environment every go command here gets on top of the process's. */
export function goEnv(
  extra: Record<string, string> = {},
): Record<string, string> {
  return { GOTOOLCHAIN: "local", CGO_ENABLED: "0", ...extra };
}

/**
 * Runs a command to completion; on failure throws with the command and the
 * last lines it printed.
 */
async function run(
  cmd: string[],
  where: { cwd: string; env?: Record<string, string>; echo?: boolean },
  log: (line: string) => void,
): Promise<void> {
  const [program, ...args] = cmd;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(program, {
      args,
      cwd: where.cwd,
      env: goEnv(where.env),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        program.endsWith("/go") ? goMissingMessage() : `${program} not found`,
      );
    }
    throw err;
  }
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  const downloads =
    text.split("\n").filter((l) => l.startsWith("go: downloading ")).length;
  if (where.echo) {
    for (const line of text.trimEnd().split("\n")) log(`  ${line}`);
  } else if (downloads > 0) log(`  downloaded ${downloads} modules`);
  if (!out.success) {
    const tail = text.trimEnd().split("\n").slice(-30).join("\n");
    throw new Error(
      `failed (exit ${out.code}): ${cmd.join(" ")}\n${tail}`,
    );
  }
}

function isExecutable(p: string): boolean {
  try {
    const st = Deno.statSync(p);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

function writeStderr(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}

function writeStdout(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

/** CLI: builds what is missing, then prints `name path` lines on stdout. */
async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      manifest: { type: "string" },
      only: { type: "string", multiple: true },
      "cache-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    writeStdout(
      "usage: build.ts [--manifest COLLECTOR_MANIFEST] [--only compose-check|prometheus|otelcol]... [--cache-dir DIR]",
    );
    return 0;
  }
  const only = values.only?.map(checkTarget);
  const paths = await ensureBackends({
    cacheDir: values["cache-dir"],
    collectorManifest: values.manifest,
    only,
  });
  for (const [name, p] of Object.entries(paths)) writeStdout(`${name} ${p}`);
  return 0;
}

function checkTarget(name: string): BuildTarget {
  if ((BUILD_TARGETS as readonly string[]).includes(name)) {
    return name as BuildTarget;
  }
  if (name in NATIVE_UNAVAILABLE) {
    const why = NATIVE_UNAVAILABLE[name as keyof typeof NATIVE_UNAVAILABLE];
    throw new Error(`${name}: no native build (${why})`);
  }
  throw new Error(
    `unknown target ${name}; one of ${BUILD_TARGETS.join(", ")}`,
  );
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (err) {
    writeStderr(`error: ${err instanceof Error ? err.message : String(err)}`);
    Deno.exit(1);
  }
}
