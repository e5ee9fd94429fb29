/**
 * The printed report: the per-run table, medians, ratios, the memory run
 * and the targets checklist.
 *
 * @module
 */
import type { MemoryRunResult } from "./memory_run.ts";
import type { RunResult } from "./run.ts";
import type { BenchSummary, VariantMedians } from "./summary.ts";
import { VARIANT_LABEL } from "./variants.ts";

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

/** A number with fixed decimals, `n/a` when missing. */
export function num(value: number | undefined, digits = 1): string {
  return value !== undefined && Number.isFinite(value)
    ? value.toFixed(digits)
    : "n/a";
}

function delivery(received: number, expected: number, on: boolean): string {
  return on ? `${received}/${expected}` : `${received}/-`;
}

/** Header of the per-run table, naming the fixed rate. */
function headers(rate: number): string[] {
  return [
    "variant",
    "pair",
    "req/s",
    `p50@${rate}/s ms`,
    `p99@${rate}/s ms`,
    "CPU us/req",
    "srv CPU %",
    "load CPU %",
    "other CPU %",
    "peak RSS MB",
    "spans recv/exp",
    "logs recv/exp",
  ];
}

/** One row per run. */
export function runRows(runs: readonly RunResult[]): string[][] {
  return runs.map((r) => [
    `${r.variant} ${VARIANT_LABEL[r.variant]}`,
    String(r.pair),
    num(r.saturation.rps, 0),
    num(r.rate.p50Ms, 2),
    num(r.rate.p99Ms, 2),
    num(r.saturationCpu.usPerRequest),
    num(r.saturationCpu.utilisationPct, 0),
    num(r.saturationCpu.harnessPct + r.saturationCpu.loadGenPct, 0),
    num(r.saturationCpu.foreignPct, 0),
    num(r.peakRssMb),
    delivery(r.spans.received, r.spans.expected, r.variant === "A"),
    delivery(r.logs.received, r.logs.expected, r.variant === "A"),
  ]);
}

function medianRow(label: string, m: VariantMedians): string[] {
  return [
    label,
    "",
    num(m.rps, 0),
    num(m.p50Ms, 2),
    num(m.p99Ms, 2),
    num(m.cpuUsPerRequest),
    "",
    "",
    "",
    num(m.peakRssMb),
    "",
    "",
  ];
}

function memoryLine(m: MemoryRunResult): string {
  return `  RSS start ${num(m.rssStartMb)} MB, at ${num(m.referenceS, 0)} s ${
    num(m.rssReferenceMb)
  } MB, end ${num(m.rssEndMb)} MB (end/ref ${
    num(m.endOverReference, 3)
  }), peak ${num(m.peakRssMb)} MB`;
}

/** The whole report as text. */
export function renderReport(
  runs: readonly RunResult[],
  memory: MemoryRunResult | undefined,
  summary: BenchSummary,
  context: {
    rate: number;
    header: string[];
    memoryControl?: MemoryRunResult;
  },
): string {
  const s = summary;
  const out: string[] = [...context.header, ""];
  out.push(
    table(headers(context.rate), [
      ...runRows(runs),
      medianRow("median A", s.medians.A),
      medianRow("median B", s.medians.B),
    ]),
  );
  out.push(
    "",
    "req/s: saturation (closed loop); p50/p99: open-loop fixed rate, send to end of body;",
    "CPU us/req and srv CPU %: the service process at saturation (/proc utime+stime), % of one core;",
    "load CPU %: wrk (or the Deno clients) plus this harness with its OTLP sink, on their own core:",
    "near 100 means the load side, not the service, limited req/s;",
    "other CPU %: every other process in that window (other work on the machine disturbs the figures);",
    "spans/logs: received by the sink after the shutdown flush / expected from the requests the",
    "service handled (2 spans and 1 'hello from space-app' log record per GET /).",
    "",
    `ratios on/off (medians): throughput ${
      num(s.ratios.throughput, 3)
    }, CPU per request ${num(s.ratios.cpuPerRequest, 3)}, p50 ${
      num(s.ratios.p50, 3)
    }, p99 ${num(s.ratios.p99, 3)}`,
    `added CPU per request at saturation (A - B per pair): ${
      s.addedCpuUsPerRequest.pairs.map((d) => num(d)).join(", ")
    } us; median ${num(s.addedCpuUsPerRequest.median)} us`,
    `added CPU per request at ${context.rate} req/s (A - B per pair): ${
      s.addedCpuUsPerRequestAtRate.pairs.map((d) => num(d)).join(", ")
    } us; median ${num(s.addedCpuUsPerRequestAtRate.median)} us`,
  );
  if (memory) {
    const totals = memory.telemetryTotals ?? {};
    out.push(
      "",
      `memory run: ${memory.durationS} s at ${context.rate} req/s, collector refusing connections`,
      memoryLine(memory),
      `  CPU ${num(memory.cpu.usPerRequest)} us/req over the run, ${
        num(memory.steadyCpuUsPerRequest)
      } us/req after ${num(memory.referenceS, 0)} s; p50 ${
        num(memory.load.p50Ms, 2)
      } ms, p99 ${num(memory.load.p99Ms, 2)} ms`,
      `  service's own count at shutdown: spans dropped ${
        totals["telemetry.spans.dropped"] ?? "n/a"
      }, logs dropped ${totals["telemetry.logs.dropped"] ?? "n/a"}`,
    );
    const control = context.memoryControl;
    if (control) {
      out.push(
        `control, same run with the collector up:`,
        memoryLine(control),
        `  CPU ${num(control.cpu.usPerRequest)} us/req over the run, ${
          num(control.steadyCpuUsPerRequest)
        } us/req after ${num(control.referenceS, 0)} s`,
      );
    }
  }
  out.push("", "targets:");
  for (const t of s.targets) {
    const mark = t.met === null ? "[info]" : t.met ? "[met] " : "[NOT met]";
    out.push(`  ${mark} ${t.name}: ${t.value} (target ${t.target})`);
  }
  if (s.notes.length > 0) {
    out.push("", "notes:", ...s.notes.map((n) => `  - ${n}`));
  }
  if (s.losses.length > 0) {
    out.push("", "telemetry lost:", ...s.losses.map((n) => `  - ${n}`));
  }
  if (s.failures.length > 0) {
    out.push("", "FAILED:", ...s.failures.map((n) => `  - ${n}`));
  }
  return out.join("\n");
}
