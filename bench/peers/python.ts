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
import { run } from "../../lib/process.ts";
import { formatDuration } from "../../lib/duration.ts";
import { cacheKey } from "../../stack/native/build.ts";

/** The directory of the peer's Python code (`app.py`), used as uvicorn's `--app-dir`. */
export const FASTAPI_APP_DIR = fileURLToPath(
  new URL("./fastapi", import.meta.url),
);

/** The lock file the venv is installed from. */
export const FASTAPI_LOCK = path.join(FASTAPI_APP_DIR, "requirements.lock");

/** The one-line error for a machine without Python. */
export const PYTHON_MISSING =
  'FastAPI peer needs Python 3: no "python3" executable on PATH';

export interface PeerOptions {
  /** Where the `fastapi-<key>` venvs live (default {@link defaultPeersCacheDir}). */
  cacheDir?: string;
  /** Progress lines; nothing is printed without it. */
  log?: (line: string) => void;
}

/** A built peer: its interpreter, its code and how to start it. */
export type FastapiPeer = NonNullable<ReturnType<typeof peerAt>>;

/**
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
 * The venv's cache key: 12 hex digits of SHA-256 over the lock file and the
 * interpreter (`CPython 3.11.7`), each length-prefixed so no two pairs collide.
 */
export function peerCacheKey(lock: string | Uint8Array, pythonVersion: string) {
  return cacheKey([["lock", lock], ["python", pythonVersion]]);
}

/**
 * uvicorn serving `app:app` from `appDir` on 127.0.0.1:`port`: one worker,
 * no access log, uvloop and httptools (installed, as uvicorn[standard] does).
 */
export function uvicornArgv(python: string, appDir: string, port: number) {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`port ${port} is not a TCP port`);
  }
  return [
    ...[python, "-m", "uvicorn", "app:app", "--app-dir", appDir],
    ...["--host", "127.0.0.1", "--port", String(port)],
    ...["--no-access-log", "--log-level", "warning"],
  ];
}

const PIP_ENV = { PIP_NO_INPUT: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" };

/** Runs `argv`; a failure is one line: pip's first `ERROR:` line, else the last line. */
async function step(what: string, argv: readonly string[]): Promise<string> {
  const { code, stdout, stderr } = await run(argv, { env: PIP_ENV });
  if (code === 127 && argv[0] === "python3") throw new Error(PYTHON_MISSING);
  if (code === 0) return stdout;
  const lines = (stdout + stderr).split("\n").map((l) => l.trim())
    .filter(Boolean);
  const detail = lines.find((l) => l.startsWith("ERROR:")) ?? lines.at(-1);
  throw new Error(
    `FastAPI peer: ${what} failed (exit ${code})${detail ? `: ${detail}` : ""}`,
  );
}

/** The cache key and venv directory for the python3 on PATH (`CPython 3.11.7`). */
async function locate(opts: PeerOptions) {
  const cacheDir = opts.cacheDir ??
    defaultPeersCacheDir((name) => Deno.env.get(name));
  const [version, python3] = (await step("python3 version check", [
    "python3",
    "-c",
    "import platform, sys; print(platform.python_implementation(), platform.python_version()); print(sys.executable)",
  ])).trim().split("\n");
  if (!/^\S+ 3\.\d+/.test(version)) {
    throw new Error(`FastAPI peer: ${python3} is not Python 3: ${version}`);
  }
  const key = await peerCacheKey(await Deno.readFile(FASTAPI_LOCK), version);
  const dir = path.join(cacheDir, `fastapi-${key}`);
  return { python3, version, key, dir, peer: peerAt(dir) };
}

/** The peer whose venv is `venvDir`, undefined while that venv is not built. */
function peerAt(venvDir: string) {
  const python = path.join(venvDir, "bin", "python");
  try {
    if (!Deno.statSync(python).isFile) return undefined;
  } catch {
    return undefined;
  }
  return {
    python,
    appDir: FASTAPI_APP_DIR,
    /** The command line serving the app on 127.0.0.1:`port`. */
    argv: (port: number) => uvicornArgv(python, FASTAPI_APP_DIR, port),
  };
}

/** The peer if its venv is built for the current lock and python3; builds nothing. */
export function findFastapiPeer(opts: PeerOptions = {}) {
  return locate(opts).then(({ peer }) => peer, () => undefined);
}

/**
 * The FastAPI peer, building its venv first if needed: `python3 -m venv`,
 * `pip install --require-hashes --no-deps --only-binary=:all:` from the lock
 * and an import check, in a temporary directory renamed into place when
 * whole. Programs run as `python -m ...`: the venv's `bin/` shebangs name the
 * temporary path. Missing python3 or a failed step is a one-line error.
 */
export async function ensureFastapiPeer(opts: PeerOptions = {}) {
  const { python3, version, key, dir, peer } = await locate(opts);
  if (peer) return peer;
  await Deno.mkdir(path.dirname(dir), { recursive: true });
  const tmp = await Deno.makeTempDir({
    dir: path.dirname(dir),
    prefix: `fastapi-${key}.tmp-`,
  });
  const started = performance.now();
  opts.log?.(`FastAPI peer: building venv ${dir} (${version}, ${python3})`);
  try {
    const python = path.join(tmp, "bin", "python");
    await step(`${python3} -m venv`, ["python3", "-m", "venv", tmp]);
    await step(`pip install --require-hashes -r ${FASTAPI_LOCK}`, [
      ...[python, "-m", "pip", "install", "--quiet", "--require-hashes"],
      ...["--no-deps", "--only-binary=:all:", "-r", FASTAPI_LOCK],
    ]);
    await step("import check of the installed packages", [
      python,
      "-c",
      "import fastapi, uvicorn, uvloop, httptools, opentelemetry.sdk, " +
      "opentelemetry.exporter.otlp.proto.http, " +
      "opentelemetry.instrumentation.fastapi, " +
      "opentelemetry.instrumentation.logging",
    ]);
    // Another process may have finished the same venv first: use that one.
    await Deno.rename(tmp, dir).catch((error) => {
      if (!peerAt(dir)) {
        throw new Error(
          `FastAPI peer: could not move the venv to ${dir}: ${error}`,
        );
      }
    });
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const took = formatDuration(performance.now() - started);
  opts.log?.(`FastAPI peer: venv ready in ${took}`);
  return peerAt(dir)!;
}

if (import.meta.main) {
  try {
    printOut((await ensureFastapiPeer({ log: printErr })).python);
  } catch (error) {
    printErr((error as Error).message);
    Deno.exit(1);
  }
}
