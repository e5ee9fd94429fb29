/**
 * Reading what the service wrote to stdout (one JSON object per line):
 * how many `GET /` requests it handled, its own telemetry totals at
 * shutdown, and its warnings.
 *
 * @module
 */

/** The log line `GET /` writes once per request it handles. */
export const HELLO_MSG = "hello from space-app";
const HELLO_NEEDLE = `"msg":"${HELLO_MSG}"`;
const SHUTDOWN_MSG = "telemetry shut down";

/** What the stdout log says. */
export interface ServiceLog {
  /** `GET /` requests the service handled: its "hello" lines. */
  handled: number;
  /** Fields of the "telemetry shut down" line (SDK's own export totals). */
  telemetryTotals: Record<string, unknown> | undefined;
  /** Messages of warn and error lines, first few, with counts. */
  warnings: Record<string, number>;
  /** Lines that were not JSON. */
  otherLines: number;
}

/** Distinct warning messages kept. */
const MAX_WARNINGS = 20;

/** Scans one stdout line into `log`. */
export function scanLine(line: string, log: ServiceLog): void {
  if (line === "") return;
  // The hot path: hello lines in the logger's compact form, without parsing.
  if (line.includes(HELLO_NEEDLE)) {
    log.handled++;
    return;
  }
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    log.otherLines++;
    return;
  }
  if (record.msg === HELLO_MSG) {
    log.handled++;
    return;
  }
  if (record.msg === SHUTDOWN_MSG) {
    const totals: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      if (key.startsWith("telemetry.")) totals[key] = value;
    }
    log.telemetryTotals = totals;
  }
  if (record.level === "warn" || record.level === "error") {
    const msg = String(record.msg);
    if (
      msg in log.warnings || Object.keys(log.warnings).length < MAX_WARNINGS
    ) {
      log.warnings[msg] = (log.warnings[msg] ?? 0) + 1;
    }
  }
}

/** An empty {@link ServiceLog}. */
export function emptyServiceLog(): ServiceLog {
  return {
    handled: 0,
    telemetryTotals: undefined,
    warnings: {},
    otherLines: 0,
  };
}

/** Reads the stdout file at `path` line by line. */
export async function readServiceLog(path: string): Promise<ServiceLog> {
  const log = emptyServiceLog();
  const file = await Deno.open(path);
  const decoder = new TextDecoder();
  let rest = "";
  // Reading `readable` to its end closes the file.
  for await (const chunk of file.readable) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) scanLine(line, log);
  }
  scanLine(rest + decoder.decode(), log);
  return log;
}
