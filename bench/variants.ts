/**
 * The variants a bench run measures side by side, as data: adding one is
 * one entry in {@link VARIANTS}. Each round runs every selected
 * variant once, in this list's order, each in a fresh process.
 *
 * @module
 */
import { ensureFastapiPeer, findFastapiPeer } from "./peers/python.ts";
import { serviceDenoFlags } from "./service.ts";

/** What a variant may need to find or build its server. */
export interface PrepareContext {
  /** The frozen copy of the repository the Deno variants run from. */
  readonly codeDir: string;
  /** CI mode: build nothing slow. */
  readonly smoke: boolean;
  /** When set, run under `--cpu-prof` writing here (Deno variants). */
  readonly profileDir?: string;
  readonly progress: (line: string) => void;
}

/** A variant that cannot run here: skipped by design, or failed. */
export class Unavailable extends Error {
  constructor(message: string, readonly skipped: boolean) {
    super(message);
  }
}

/** One thing measured: an entry of {@link VARIANTS}. */
export type Variant = (typeof VARIANTS)[number];

/** How to start a variant's server, unpinned; PORT and HOST are set too. */
export type ServerCommand = Awaited<ReturnType<Variant["prepare"]>>;

type Env = Record<string, string>;

/** Metric export interval of the exporting variants (ms). */
export const METRIC_INTERVAL_MS = 5_000;

/** The variant added CPU is measured against. */
export const BASELINE = "off";

/**
 * A Deno program run from the frozen code with the service's flags (the
 * `start` task's): `args` are any further Deno flags, then the entry module
 * and its arguments.
 */
function deno(...args: string[]) {
  return ({ codeDir, profileDir }: PrepareContext) => {
    const argv = [Deno.execPath(), "run", ...serviceDenoFlags(codeDir)];
    if (profileDir) argv.push("--cpu-prof", `--cpu-prof-dir=${profileDir}`);
    argv.push(...args);
    return Promise.resolve({ argv: (_port: number) => argv, cwd: codeDir });
  };
}

/** The FastAPI peer's cached venv; smoke runs use it only when already built. */
async function fastapi(ctx: PrepareContext) {
  const peer = ctx.smoke
    ? await findFastapiPeer()
    : await ensureFastapiPeer({ log: ctx.progress });
  if (!peer) {
    throw new Unavailable(
      "no python3, or its venv is not built for this lock (smoke runs install nothing; build it: deno run -A bench/peers/python.ts)",
      true,
    );
  }
  return { argv: peer.argv, cwd: peer.appDir };
}

/** Telemetry on, exporting to the bench's sink. */
const exporting = (sink: string): Env => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: sink,
  OTEL_METRIC_EXPORT_INTERVAL: `${METRIC_INTERVAL_MS}`,
});

/** The service's `GET /`: the SERVER span and `root-handler`, one log record. */
const SERVICE = { spans: 2, logs: 1 };
const NOTHING = { spans: 0, logs: 0 };

/** The service itself, from the frozen code. */
const service = deno("main.ts", "serve");
/** The floor app (it logs nothing: its requests are counted by the responses). */
const floor = deno("bench/peers/hono.ts");

/** Every variant, in run order. */
export const VARIANTS = [{
  /** Its name in `--variants` and in the report. */
  id: "own",
  label: "telemetry on: the SDK's batch processors, our OTLP exporter",
  /** Finds or builds its server; throws (an {@link Unavailable}) when it cannot run. */
  prepare: service,
  /** Where the count of `GET /` handled comes from: its stdout "hello" lines, or the responses the load generators got. */
  handled: "stdout",
  /** Its environment given the sink's base URL, on top of PORT, HOST, SHUTDOWN_DRAIN_MS=0. */
  env: exporting,
  /** Spans and "hello from space-app" log records each `GET /` must deliver. */
  perRequest: SERVICE,
  /** Report the CPU per request it adds over this variant (the same program without telemetry), round by round. */
  addedOver: BASELINE,
}, {
  id: "sdk-exporter",
  label: "the same with the SDK's OTLP/HTTP protobuf exporters",
  prepare: service,
  handled: "stdout",
  env: (sink: string): Env => ({
    ...exporting(sink),
    SPACE_APP_OTLP_EXPORTER: "sdk",
  }),
  perRequest: SERVICE,
  addedOver: BASELINE,
}, {
  id: BASELINE,
  label: "OTEL_SDK_DISABLED=true (the baseline)",
  prepare: service,
  handled: "stdout",
  env: (): Env => ({ OTEL_SDK_DISABLED: "true" }),
  perRequest: NOTHING,
}, {
  id: "hono",
  label: "bare Hono on Deno.serve (the floor)",
  prepare: floor,
  handled: "client",
  env: (): Env => ({}),
  perRequest: NOTHING,
}, {
  // Deno's built-in OpenTelemetry on the floor app: one SERVER span per
  // request and its HTTP metrics, nothing of our own (docs/performance.md
  // says what it lacks of the telemetry contract).
  id: "deno-otel",
  label: "bare Hono with Deno's built-in OpenTelemetry (OTEL_DENO=true)",
  prepare: floor,
  handled: "client",
  env: (sink: string): Env => ({ ...exporting(sink), OTEL_DENO: "true" }),
  perRequest: { spans: 1, logs: 0 },
  addedOver: "hono",
}, {
  id: "fastapi",
  label: "the same service in FastAPI, telemetry on (uvicorn, Python SDK)",
  prepare: fastapi,
  env: exporting,
  // The SERVER span `GET /`, two `GET / http send` (ASGI), `root-handler`.
  perRequest: { spans: 4, logs: 1 },
  handled: "stdout",
  /** Exit codes of a clean stop after SIGTERM (default 0 only): uvicorn re-raises SIGTERM once its graceful shutdown is done. */
  cleanExit: [0, 143],
}];

export function variant(id: string): Variant {
  const found = VARIANTS.find((v) => v.id === id);
  if (!found) throw new Error(`no variant ${JSON.stringify(id)}`);
  return found;
}
