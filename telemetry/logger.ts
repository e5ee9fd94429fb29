/**
 * The one logger of the codebase: a JSON object per line on stdout and the
 * same record over OTLP, both tagged with the active trace context.
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

/** Writes a line to stdout synchronously, so nothing is lost at exit. */
export const stdoutSink: LineSink = (line) => {
  const bytes = encoder.encode(line + "\n");
  let written = 0;
  while (written < bytes.length) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
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

let service = "space-app";
let minRank = RANK.info;
let sink: LineSink = stdoutSink;
let otlp: OtlpLogger | undefined;

/** Sets the process-wide logger options; call once at start. */
export function configureLogger(options: LoggerOptions): void {
  service = options.service;
  minRank = RANK[options.level ?? "info"];
  sink = options.sink ?? stdoutSink;
  otlp = options.otlp;
}

function jsonSafe(value: unknown): unknown {
  if (value instanceof Error) {
    return { type: value.name, message: value.message };
  }
  return value;
}

function write(level: Level, msg: string, attributes?: Attributes): void {
  if (RANK[level] < minRank) return;
  const span = trace.getSpan(context.active());
  const spanContext = span?.spanContext();
  const record: Record<string, unknown> = {
    time: new Date().toISOString(),
    level,
    msg,
    trace_id: spanContext?.traceId ?? "",
    span_id: spanContext?.spanId ?? "",
    service,
  };
  if (attributes) {
    for (const key in attributes) {
      if (!RESERVED.has(key)) record[key] = jsonSafe(attributes[key]);
    }
  }
  sink(JSON.stringify(record));
  if (otlp) {
    otlp.emit({
      severityNumber: SEVERITY[level],
      severityText: SEVERITY_TEXT[level],
      body: msg,
      attributes,
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
