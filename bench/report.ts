/**
 * The printed report: one table with a row per variant, then the target
 * lines, notes, losses and failures.
 *
 * @module
 */
import type { Delivery } from "./run.ts";
import { num, type Summary } from "./summary.ts";

/** Right-aligned columns (the first left-aligned), two spaces apart. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))
      .join("  ").trimEnd();
  return [
    line(headers),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}

function delivery(d: Delivery, ran: boolean): string {
  return ran ? `${d.received}/${d.expected ?? "n/a"}` : "n/a";
}

const MARK = {
  "met": "[met]    ",
  "NOT met": "[NOT met]",
  "info": "[info]   ",
  "n/a": "[n/a]    ",
};

/** The report as text, after the `header` lines; `rate` names the fixed rate. */
export function renderReport(
  s: Summary,
  header: readonly string[],
  rate: number,
): string {
  const out = [...header, ""];
  out.push(table(
    [
      "variant",
      "req/s",
      "CPU µs/req",
      `CPU µs/req @${rate}/s`,
      "p50 ms",
      "p99 ms",
      "peak RSS MB",
      "spans recv/exp",
      "logs recv/exp",
    ],
    s.rows.map((r) => [
      r.id,
      num(r.rps, 0),
      num(r.saturationCpuUs),
      num(r.rateCpuUs),
      num(r.p50Ms, 2),
      num(r.p99Ms, 2),
      num(r.peakRssMb),
      delivery(r.spans, r.rounds > 0),
      delivery(r.logs, r.rounds > 0),
    ]),
  ));
  for (const r of s.rows.filter((r) => r.status !== "ran")) {
    out.push(`${r.id}: ${r.status.toUpperCase()}: ${r.reason}`);
  }
  out.push(
    "",
    `req/s and CPU µs/req: saturation (closed loop), medians of rounds; CPU @${rate}/s, p50, p99: the`,
    "open-loop fixed rate (send to end of body); CPU is the server's /proc utime+stime per request;",
    "peak RSS: VmHWM, largest of the rounds; spans/logs: received by the sink after the shutdown flush /",
    "expected from the GET / requests handled (summed over rounds; n/a: the variant does not say).",
    "",
    "targets:",
    ...s.lines.map((l) =>
      `  ${MARK[l.verdict]} ${l.name}: ${l.value}${
        l.target ? ` (target ${l.target})` : ""
      }`
    ),
  );
  for (
    const [title, items] of [
      ["notes", s.notes],
      ["telemetry lost", s.losses],
      ["FAILED", s.failures],
    ] as const
  ) {
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
