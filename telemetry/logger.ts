/**
 * The one logger of the codebase: a JSON object per line on stdout (stderr
 * for `loadgen --json`) and the same record over OTLP, both tagged with the
 * active trace context.
 *
 * Nothing here needs the SDK: `telemetry/sdk.ts` hands over an API logger
 * for the OTLP side once its provider exists.
 *
 * @module
 */
import {
  type Attributes,
  context,
  type Logger as OtlpLogger,
  SeverityNumber,
  trace,
} from "@opentelemetry/api";

/** Log levels, lowest first. */
export type Level = "debug" | "info" | "warn" | "error";

const SEVERITY: Record<Level, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};
const SEVERITY_TEXT: Record<Level, string> = {
  debug: "DEBUG",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
};
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Keys of the JSON line that attributes may not overwrite. */
const RESERVED = new Set([
  "time",
  "level",
  "msg",
  "trace_id",
  "span_id",
  "service",
]);

/** Where finished lines go; replaced in tests. */
export type LineSink = (line: string) => void;

const encoder = new TextEncoder();
/** Lines are gathered and written together: one syscall per few ms, not per line. */
const FLUSH_DELAY_MS = 5;
const FLUSH_BYTES = 64 * 1024;
let pending = "";
let flushTimer: ReturnType<typeof setTimeout> | undefined;

/** Writes every gathered line to stdout now. */
export function flushLogs(): void {
  if (flushTimer !== undefined) {
    clearTimeout(flushTimer);
    flushTimer = undefined;
  }
  if (pending === "") return;
  const bytes = encoder.encode(pending);
  pending = "";
  let written = 0;
  while (written < bytes.length) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}

// Whatever is gathered when the process exits is still written.
globalThis.addEventListener("unload", flushLogs);

/** Gathers a line for stdout; flushed within a few milliseconds. */
export const stdoutSink: LineSink = (line) => {
  pending += line + "\n";
  if (pending.length >= FLUSH_BYTES) flushLogs();
  else if (flushTimer === undefined) {
    flushTimer = setTimeout(flushLogs, FLUSH_DELAY_MS);
    // Pending log output alone must not keep the process alive.
    Deno.unrefTimer(flushTimer);
  }
};

/**
 * Writes a line to stderr at once: for commands whose stdout carries a
 * machine-readable result (`loadgen --json`), where lines are few.
 */
export const stderrSink: LineSink = (line) => {
  const bytes = encoder.encode(line + "\n");
  let written = 0;
  while (written < bytes.length) {
    written += Deno.stderr.writeSync(bytes.subarray(written));
  }
};

/** Settings of the process-wide logger. */
export interface LoggerOptions {
  /** The `service` field of every line. */
  service: string;
  /** Records below this level are dropped (default `info`). */
  level?: Level;
  /** Where JSON lines go (default stdout). */
  sink?: LineSink;
  /** The OTLP side; without one, records go to stdout only. */
  otlp?: OtlpLogger;
}

let serviceJson = JSON.stringify("space-app");
let minRank = RANK.info;
let sink: LineSink = stdoutSink;
let otlp: OtlpLogger | undefined;

/** Sets the process-wide logger options; call once at start. */
export function configureLogger(options: LoggerOptions): void {
  serviceJson = JSON.stringify(options.service);
  minRank = RANK[options.level ?? "info"];
  sink = options.sink ?? stdoutSink;
  otlp = options.otlp;
}

function jsonValue(value: unknown): string {
  if (value instanceof Error) {
    return JSON.stringify({ type: value.name, message: value.message });
  }
  return JSON.stringify(value) ?? "null";
}

function write(level: Level, msg: string, attributes?: Attributes): void {
  if (RANK[level] < minRank) return;
  // Handed to the SDK too, which would otherwise look it up twice more.
  const active = context.active();
  const spanContext = trace.getSpan(active)?.spanContext();
  // Built by hand rather than JSON.stringify of an object: this runs on the
  // request path. Ids are hex and level is a known word, so they need no escaping.
  let line = '{"time":"' + new Date().toISOString() + '","level":"' + level +
    '","msg":' + JSON.stringify(msg) + ',"trace_id":"' +
    (spanContext?.traceId ?? "") + '","span_id":"' +
    (spanContext?.spanId ?? "") + '","service":' + serviceJson;
  if (attributes) {
    for (const key in attributes) {
      if (RESERVED.has(key)) continue;
      line += "," + JSON.stringify(key) + ":" + jsonValue(attributes[key]);
    }
  }
  sink(line + "}");
  if (otlp) {
    otlp.emit({
      severityNumber: SEVERITY[level],
      severityText: SEVERITY_TEXT[level],
      body: msg,
      attributes,
      context: active,
    });
  }
}

/** The process-wide logger. */
export const log = {
  debug: (msg: string, attributes?: Attributes): void =>
    write("debug", msg, attributes),
  info: (msg: string, attributes?: Attributes): void =>
    write("info", msg, attributes),
  warn: (msg: string, attributes?: Attributes): void =>
    write("warn", msg, attributes),
  error: (msg: string, attributes?: Attributes): void =>
    write("error", msg, attributes),
};

/** The logger's type, for code that takes one. */
export type Log = typeof log;
