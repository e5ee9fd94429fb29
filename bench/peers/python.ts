/**
 * space-app written in FastAPI, as a benchmark peer: a Python venv with
 * the exact packages of `fastapi/requirements.lock` (hash-checked), built
 * once per lock content and Python version under the user's cache, and the
 * uvicorn command line that serves `fastapi/app.py`.
 *
 * Run as a program (`deno run -A bench/peers/python.ts`) it builds the venv
 * if needed and prints its interpreter's path.
 *
 * @module
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { printErr, printOut } from "../../lib/output.ts";

/** The directory of the peer's Python code (`app.py`), used as uvicorn's `--app-dir`. */
export const FASTAPI_APP_DIR = fileURLToPath(
  new URL("./fastapi/", import.meta.url),
).replace(/\/$/, "");

/** The lock file the venv is installed from. */
export const FASTAPI_LOCK = path.join(FASTAPI_APP_DIR, "requirements.lock");

/** Temporary build directories older than this are removed. */
const STALE_TMP_MS = 24 * 60 * 60 * 1000;

/** A built peer: its interpreter, its code and how to start it. */
export interface FastapiPeer {
  /** The venv's interpreter. */
  readonly python: string;
  /** The directory holding `app.py`. */
  readonly appDir: string;
  /** The venv directory. */
  readonly venvDir: string;
  /** The command line serving the app on 127.0.0.1:`port`. */
  argv(port: number): string[];
}

/** Options of {@link ensureFastapiPeer} and {@link findFastapiPeer}. */
export interface PeerOptions {
  /**
   * The directory holding the `fastapi-<hash>` venvs (default
   * {@link defaultPeersCacheDir} of the process environment).
   */
  cacheDir?: string;
  /** Progress lines (building, done); nothing is printed without it. */
  log?: (line: string) => void;
}

/**
 * Where peer venvs live:
 * `${SPACE_APP_CACHE ?? XDG_CACHE_HOME ?? $HOME/.cache}/space-app/peers`
 * (empty variables count as unset).
 */
export function defaultPeersCacheDir(
  env: (name: string) => string | undefined,
): string {
  const base = env("SPACE_APP_CACHE") || env("XDG_CACHE_HOME") ||
    (env("HOME") ? path.join(env("HOME")!, ".cache") : undefined);
  if (!base) {
    throw new Error(
      "no cache directory for the FastAPI peer: set SPACE_APP_CACHE, XDG_CACHE_HOME or HOME",
    );
  }
  return path.resolve(base, "space-app", "peers");
}

/**
 * The venv's cache key: 12 hex digits of SHA-256 over the lock file's bytes
 * and the interpreter's implementation and version (`CPython 3.11.7`),
 * each length-prefixed.
 */
export async function peerCacheKey(
  lock: string | Uint8Array,
  pythonVersion: string,
): Promise<string> {
  const enc = new TextEncoder();
  const lockBytes = typeof lock === "string" ? enc.encode(lock) : lock;
  const version = enc.encode(pythonVersion);
  const parts = [
    enc.encode(`lock\0${lockBytes.length}\0`),
    lockBytes,
    enc.encode(`python\0${version.length}\0`),
    version,
  ];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * uvicorn serving `app:app` from `appDir` on 127.0.0.1:`port` with one
 * worker, no access log and only warnings from uvicorn itself. uvicorn picks
 * uvloop and httptools since both are installed (as uvicorn[standard] does).
 */
export function uvicornArgv(
  python: string,
  appDir: string,
  port: number,
): string[] {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`port ${port} is not a TCP port`);
  }
  return [
    python,
    "-m",
    "uvicorn",
    "app:app",
    "--app-dir",
    appDir,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--no-access-log",
    "--log-level",
    "warning",
  ];
}

/** The one-line error for a machine without Python. */
export function pythonMissingMessage(): string {
  return 'FastAPI peer needs Python 3: no "python3" executable on PATH';
}

function isExecutable(file: string): boolean {
  try {
    const info = Deno.statSync(file);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

function findPython3(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, "python3"))) {
      return path.join(dir, "python3");
    }
  }
  return undefined;
}

/**
 * One line of a failed command's output for its error: pip's first
 * `ERROR:` line when there is one, else the last non-empty line.
 */
function errorLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines.find((l) => l.startsWith("ERROR:")) ?? lines.at(-1) ?? "";
}

async function output(
  argv: readonly string[],
): Promise<{ code: number; out: string }> {
  const [program, ...args] = argv;
  const result = await new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PIP_NO_INPUT: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" },
  }).output();
  const dec = new TextDecoder();
  return {
    code: result.code,
    out: dec.decode(result.stdout) + dec.decode(result.stderr),
  };
}

/** Runs `argv`; a failure is a one-line error naming `what`. */
async function step(what: string, argv: readonly string[]): Promise<void> {
  let result;
  try {
    result = await output(argv);
  } catch (error) {
    throw new Error(`FastAPI peer: ${what} could not run: ${error}`);
  }
  if (result.code !== 0) {
    const detail = errorLine(result.out);
    throw new Error(
      `FastAPI peer: ${what} failed (exit ${result.code})${
        detail ? `: ${detail}` : ""
      }`,
    );
  }
}

/** `CPython 3.11.7` for the python3 on PATH, with its path. */
async function hostPython(): Promise<{ python3: string; version: string }> {
  const python3 = findPython3();
  if (!python3) throw new Error(pythonMissingMessage());
  let result;
  try {
    result = await output([
      python3,
      "-c",
      "import platform; print(platform.python_implementation(), platform.python_version())",
    ]);
  } catch (error) {
    throw new Error(`FastAPI peer: ${python3} could not run: ${error}`);
  }
  const version = result.out.trim();
  if (result.code !== 0 || !/^\S+ 3\.\d+/.test(version)) {
    throw new Error(
      `FastAPI peer: ${python3} is not a working Python 3 (exit ${result.code}): ${
        errorLine(result.out)
      }`,
    );
  }
  return { python3, version };
}

function peerAt(venvDir: string): FastapiPeer {
  const python = path.join(venvDir, "bin", "python");
  return {
    python,
    appDir: FASTAPI_APP_DIR,
    venvDir,
    argv: (port) => uvicornArgv(python, FASTAPI_APP_DIR, port),
  };
}

async function locate(
  opts: PeerOptions,
): Promise<{ python3: string; version: string; key: string; dir: string }> {
  const cacheDir = opts.cacheDir ??
    defaultPeersCacheDir((name) => Deno.env.get(name));
  const { python3, version } = await hostPython();
  const key = await peerCacheKey(await Deno.readFile(FASTAPI_LOCK), version);
  return { python3, version, key, dir: path.join(cacheDir, `fastapi-${key}`) };
}

function removeStaleTmp(cacheDir: string): void {
  try {
    for (const entry of Deno.readDirSync(cacheDir)) {
      if (!/^fastapi-[0-9a-f]+\.tmp-/.test(entry.name)) continue;
      const full = path.join(cacheDir, entry.name);
      const mtime = Deno.statSync(full).mtime?.getTime() ?? Date.now();
      if (Date.now() - mtime > STALE_TMP_MS) {
        Deno.removeSync(full, { recursive: true });
      }
    }
  } catch {
    // best effort
  }
}

/**
 * The peer if its venv is already built for the current lock file and
 * python3; `undefined` when it is not (or there is no python3). Builds
 * nothing.
 */
export async function findFastapiPeer(
  opts: PeerOptions = {},
): Promise<FastapiPeer | undefined> {
  try {
    const { dir } = await locate(opts);
    return exists(path.join(dir, "bin", "python")) ? peerAt(dir) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The FastAPI peer, building its venv first if needed: `python3 -m venv`,
 * then `pip install --require-hashes --no-deps -r requirements.lock` (wheels
 * only: no package is compiled here) and an import check, in a
 * temporary directory renamed into place when complete, so a venv in the
 * cache is always whole. Run programs as `python -m ...` (the venv was
 * moved: its `bin/` scripts' shebangs name the temporary path).
 * Missing python3 or a failed step is a one-line error.
 */
export async function ensureFastapiPeer(
  opts: PeerOptions = {},
): Promise<FastapiPeer> {
  const log = opts.log ?? (() => {});
  const { python3, version, key, dir } = await locate(opts);
  if (exists(path.join(dir, "bin", "python"))) return peerAt(dir);

  const cacheDir = path.dirname(dir);
  await Deno.mkdir(cacheDir, { recursive: true });
  removeStaleTmp(cacheDir);
  const tmp = await Deno.makeTempDir({
    dir: cacheDir,
    prefix: `fastapi-${key}.tmp-`,
  });
  const started = performance.now();
  log(`FastAPI peer: building venv ${dir} (${version}, ${python3})`);
  try {
    await step(`${python3} -m venv`, [python3, "-m", "venv", tmp]);
    const venvPython = path.join(tmp, "bin", "python");
    await step(
      `pip install --require-hashes -r ${FASTAPI_LOCK}`,
      [
        venvPython,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--require-hashes",
        "--no-deps",
        "--only-binary=:all:",
        "-r",
        FASTAPI_LOCK,
      ],
    );
    await step(
      "import check of the installed packages",
      [
        venvPython,
        "-c",
        "import fastapi, uvicorn, uvloop, httptools, opentelemetry.sdk, " +
        "opentelemetry.exporter.otlp.proto.http, " +
        "opentelemetry.instrumentation.fastapi, " +
        "opentelemetry.instrumentation.logging",
      ],
    );
    await Deno.writeTextFile(
      path.join(tmp, "space-app-peer.json"),
      JSON.stringify(
        {
          key,
          python: version,
          lock: FASTAPI_LOCK,
          built: new Date().toISOString(),
        },
        null,
        2,
      ) + "\n",
    );
    try {
      await Deno.rename(tmp, dir);
    } catch (error) {
      // Another process finished the same venv first: use that one.
      if (!exists(path.join(dir, "bin", "python"))) {
        throw new Error(
          `FastAPI peer: could not move the venv into ${dir}: ${error}`,
        );
      }
      await Deno.remove(tmp, { recursive: true });
    }
  } catch (error) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log(`FastAPI peer: venv ready in ${seconds} s`);
  return peerAt(dir);
}

if (import.meta.main) {
  try {
    const peer = await ensureFastapiPeer({ log: printErr });
    printOut(peer.python);
  } catch (error) {
    printErr((error as Error).message);
    Deno.exit(1);
  }
}
