/**
 * The printed report: one table with a row per variant, then the target
 * lines, notes, losses and failures.
 *
 * @module
 */
import type { Delivery } from "./run.ts";
import { num, type Row, type Summary } from "./summary.ts";

/** Right-aligned columns (the first left-aligned), two spaces apart. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))
      .join("  ").trimEnd();
  return [headers, widths.map((w) => "-".repeat(w)), ...rows].map(line)
    .join("\n");
}

const delivery = (d: Delivery, r: Row) =>
  r.rounds > 0 ? `${d.received}/${d.expected ?? "n/a"}` : "n/a";

/** The table's columns: heading and cell; `rate` names the fixed rate. */
const columns = (rate: number): [string, (r: Row) => string][] => [
  ["variant", (r) => r.id],
  ["req/s", (r) => num(r.rps, 0)],
  ["CPU µs/req", (r) => num(r.saturationCpuUs)],
  [`CPU µs/req @${rate}/s`, (r) => num(r.rateCpuUs)],
  ["p50 ms", (r) => num(r.p50Ms, 2)],
  ["p99 ms", (r) => num(r.p99Ms, 2)],
  ["peak RSS MB", (r) => num(r.peakRssMb)],
  ["spans recv/exp", (r) => delivery(r.spans, r)],
  ["logs recv/exp", (r) => delivery(r.logs, r)],
];

/** The report as text, after the `header` lines; `rate` names the fixed rate. */
export function renderReport(
  s: Summary,
  header: readonly string[],
  rate: number,
): string {
  const cols = columns(rate);
  const out = [
    ...header,
    "",
    table(cols.map(([h]) => h), s.rows.map((r) => cols.map(([, f]) => f(r)))),
    ...s.rows.filter((r) => r.status !== "ran").map((r) =>
      `${r.id}: ${r.status.toUpperCase()}: ${r.reason}`
    ),
    "",
    `req/s and CPU µs/req: saturation (closed loop), medians of rounds; CPU @${rate}/s, p50, p99: the`,
    "open-loop fixed rate (send to end of body); CPU is the server's /proc utime+stime per request;",
    "peak RSS: VmHWM, largest of the rounds; spans/logs: received by the sink after the shutdown flush /",
    "expected from the GET / requests handled (summed over rounds; n/a: the variant does not say).",
    "",
    "targets:",
    ...s.lines.map((l) =>
      `  ${`[${l.verdict}]`.padEnd(9)} ${l.name}: ${l.value}${
        l.target ? ` (target ${l.target})` : ""
      }`
    ),
  ];
  const sections = {
    notes: s.notes,
    "telemetry lost": s.losses,
    FAILED: s.failures,
  };
  for (const [title, items] of Object.entries(sections)) {
    if (items.length) {
      out.push(
        "",
        `${title}:`,
        ...items.map((n) => `  - ${n}`),
      );
    }
  }
  return out.join("\n");
}
