/**
 * From runs to conclusions: medians per variant, instrumented/uninstrumented
 * ratios, added CPU per request (median of the pairs' differences),
 * delivery, the issue's targets, and what counts as a failed bench.
 *
 * @module
 */
import type { MemoryRunResult } from "./memory_run.ts";
import type { RunResult } from "./run.ts";
import { median, ratio } from "./stats.ts";
import type { Variant } from "./variants.ts";

/** Targets of the issue. */
export const TARGETS = {
  addedCpuUsPerRequest: 40,
  peakRssMb: 200,
  memoryDriftPct: 10,
} as const;

/** Foreign CPU (percent of one core) in a window above which a note says so. */
export const FOREIGN_PCT = 10;

/** Load-side CPU (percent of its core) above which the load side may be the limit. */
export const LOAD_SIDE_PCT = 90;

/** Medians of one variant over its runs. */
export interface VariantMedians {
  readonly runs: number;
  /** Saturation throughput. */
  readonly rps: number;
  /** Fixed-rate latency. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Service CPU per request at saturation. */
  readonly cpuUsPerRequest: number;
  /** Service CPU per request at the fixed rate. */
  readonly rateCpuUsPerRequest: number;
  readonly peakRssMb: number;
}

/** One target line. `met` is `null` for figures reported without a target. */
export interface Target {
  readonly name: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean | null;
}

/** Everything concluded from the runs. */
export interface BenchSummary {
  readonly medians: Record<Variant, VariantMedians>;
  /** Instrumented over uninstrumented, medians. */
  readonly ratios: {
    readonly throughput: number;
    readonly cpuPerRequest: number;
    readonly p50: number;
    readonly p99: number;
  };
  /** A minus B per pair at saturation, and their median. */
  readonly addedCpuUsPerRequest: {
    readonly median: number;
    readonly pairs: number[];
  };
  /** A minus B per pair at the fixed rate, and their median. */
  readonly addedCpuUsPerRequestAtRate: {
    readonly median: number;
    readonly pairs: number[];
  };
  /** Telemetry items missing at the sink, summed over the instrumented runs. */
  readonly lost: { readonly spans: number; readonly logs: number };
  readonly targets: Target[];
  /** Figures missing or runs that failed: the bench failed. */
  readonly failures: string[];
  /** Telemetry lost at saturation (fails the smoke run, never the full one). */
  readonly losses: string[];
  /** Oddities worth a look that fail nothing. */
  readonly notes: string[];
}

function mediansOf(runs: readonly RunResult[]): VariantMedians {
  return {
    runs: runs.length,
    rps: median(runs.map((r) => r.saturation.rps)),
    p50Ms: median(runs.map((r) => r.rate.p50Ms)),
    p99Ms: median(runs.map((r) => r.rate.p99Ms)),
    cpuUsPerRequest: median(runs.map((r) => r.saturationCpu.usPerRequest)),
    rateCpuUsPerRequest: median(runs.map((r) => r.rateCpu.usPerRequest)),
    peakRssMb: median(runs.map((r) => r.peakRssMb)),
  };
}

function pairDifferences(
  runs: readonly RunResult[],
  figure: (r: RunResult) => number,
): number[] {
  const out: number[] = [];
  for (const a of runs.filter((r) => r.variant === "A")) {
    const b = runs.find((r) => r.variant === "B" && r.pair === a.pair);
    if (b) out.push(figure(a) - figure(b));
  }
  return out;
}

function finite(value: number): boolean {
  return typeof value === "number" && Number.isFinite(value);
}

/** Figures a run must have, by name. */
function runFigures(r: RunResult): Record<string, number> {
  return {
    "req/s": r.saturation.rps,
    p50: r.rate.p50Ms,
    p99: r.rate.p99Ms,
    "CPU us/req": r.saturationCpu.usPerRequest,
    "peak RSS": r.peakRssMb,
    "requests handled": r.serverHandled > 0 ? r.serverHandled : NaN,
  };
}

const fmt = (n: number, digits = 1) => finite(n) ? n.toFixed(digits) : "n/a";

/** Summarizes runs (and the memory run, when there was one). */
export function summarize(
  runs: readonly RunResult[],
  memory: MemoryRunResult | undefined,
  memoryExpected: boolean,
  control?: MemoryRunResult,
): BenchSummary {
  const failures: string[] = [];
  const losses: string[] = [];
  const notes: string[] = [];
  let lostSpans = 0;
  let lostLogs = 0;
  for (const r of runs) {
    const name = `${r.variant}${r.pair}`;
    for (const [figure, value] of Object.entries(runFigures(r))) {
      if (!finite(value)) failures.push(`${name}: ${figure} is missing`);
    }
    if (r.exitCode !== 0) {
      failures.push(`${name}: the service exited ${r.exitCode} at SIGTERM`);
    }
    const spansLost = Math.max(0, r.spans.expected - r.spans.received);
    const logsLost = Math.max(0, r.logs.expected - r.logs.received);
    if (r.variant === "A") {
      lostSpans += spansLost;
      lostLogs += logsLost;
      if (spansLost > 0 || logsLost > 0) {
        losses.push(
          `${name}: lost ${spansLost} of ${r.spans.expected} spans and ${logsLost} of ${r.logs.expected} log records`,
        );
      }
      if (r.spans.received > r.spans.expected) {
        notes.push(
          `${name}: ${
            r.spans.received - r.spans.expected
          } more spans than requests explain (duplicates from retries?)`,
        );
      }
    } else if (r.sink.spans + r.sink.logRecords + r.sink.metricPoints > 0) {
      notes.push(`${name}: the sink received telemetry from a disabled SDK`);
    }
    for (
      const [phase, w] of [["saturation", r.saturationCpu], [
        "fixed rate",
        r.rateCpu,
      ]] as const
    ) {
      if (w.foreignPct > FOREIGN_PCT) {
        notes.push(
          `${name}: other processes used ${
            w.foreignPct.toFixed(0)
          }% of a core during the ${phase} phase: figures disturbed`,
        );
      }
    }
    const loadSide = r.saturationCpu.harnessPct + r.saturationCpu.loadGenPct;
    if (loadSide > LOAD_SIDE_PCT) {
      notes.push(
        `${name}: the load side (load generator + harness/sink) used ${
          loadSide.toFixed(0)
        }% of its core at saturation: req/s may be limited by it, not by the service`,
      );
    }
    if (r.saturation.errors > 0 || r.saturation.non2xx > 0) {
      notes.push(
        `${name}: saturation had ${r.saturation.errors} socket errors and ${r.saturation.non2xx} non-2xx responses`,
      );
    }
    if (r.rate.skipped > 0 || r.rate.errors > 0) {
      notes.push(
        `${name}: fixed-rate client skipped ${r.rate.skipped} and failed ${r.rate.errors} requests`,
      );
    }
  }
  const a = runs.filter((r) => r.variant === "A");
  const b = runs.filter((r) => r.variant === "B");
  if (a.length === 0 || b.length === 0) {
    failures.push("no complete pair of runs");
  }
  if (memoryExpected) {
    if (!memory) failures.push("memory run: missing");
    else {
      if (!finite(memory.rssReferenceMb) || !finite(memory.rssEndMb)) {
        failures.push("memory run: RSS figures are missing");
      }
      if (memory.exitCode !== 0) {
        failures.push(
          `memory run: the service exited ${memory.exitCode} at SIGTERM`,
        );
      }
    }
    if (!control) failures.push("memory control run: missing");
    else if (control.exitCode !== 0) {
      failures.push(
        `memory control run: the service exited ${control.exitCode} at SIGTERM`,
      );
    }
  }

  const medians = { A: mediansOf(a), B: mediansOf(b) };
  const added = pairDifferences(runs, (r) => r.saturationCpu.usPerRequest);
  const addedAtRate = pairDifferences(runs, (r) => r.rateCpu.usPerRequest);
  const addedMedian = median(added);
  const ratios = {
    throughput: ratio(medians.A.rps, medians.B.rps),
    cpuPerRequest: ratio(medians.A.cpuUsPerRequest, medians.B.cpuUsPerRequest),
    p50: ratio(medians.A.p50Ms, medians.B.p50Ms),
    p99: ratio(medians.A.p99Ms, medians.B.p99Ms),
  };
  const peakA = Math.max(
    ...a.map((r) => r.peakRssMb),
    memory?.peakRssMb ?? -Infinity,
  );
  const targets: Target[] = [
    {
      name: "added CPU per request (A - B, median of pairs)",
      target: `<= ${TARGETS.addedCpuUsPerRequest} us`,
      value: `${fmt(addedMedian)} us`,
      met: finite(addedMedian)
        ? addedMedian <= TARGETS.addedCpuUsPerRequest
        : false,
    },
    {
      name: "spans lost at saturation",
      target: "0",
      value: `${lostSpans} (of ${a.reduce((s, r) => s + r.spans.expected, 0)})`,
      met: a.length > 0 && lostSpans === 0,
    },
    {
      name: "log records lost at saturation",
      target: "0",
      value: `${lostLogs} (of ${a.reduce((s, r) => s + r.logs.expected, 0)})`,
      met: a.length > 0 && lostLogs === 0,
    },
    {
      name: "peak RSS, telemetry on (max over runs)",
      target: `<= ${TARGETS.peakRssMb} MB`,
      value: `${fmt(peakA)} MB`,
      met: finite(peakA) ? peakA <= TARGETS.peakRssMb : false,
    },
  ];
  if (memory) {
    const drift = 100 * (memory.endOverReference - 1);
    targets.push({
      name: `RSS with the collector down: end vs ${
        fmt(memory.referenceS, 0)
      } s`,
      target: `within ${TARGETS.memoryDriftPct}%`,
      value: `${fmt(memory.rssReferenceMb)} -> ${fmt(memory.rssEndMb)} MB (${
        drift >= 0 ? "+" : ""
      }${fmt(drift)}%)`,
      met: finite(drift) ? Math.abs(drift) <= TARGETS.memoryDriftPct : false,
    });
  }
  if (memory && control) {
    const drift = 100 * (control.endOverReference - 1);
    targets.push({
      name: "RSS with the collector up (control): end vs reference",
      target: "reported",
      value: `${fmt(control.rssReferenceMb)} -> ${fmt(control.rssEndMb)} MB (${
        drift >= 0 ? "+" : ""
      }${fmt(drift)}%)`,
      met: null,
    });
  }
  targets.push({
    name: "throughput ratio, on/off (saturation)",
    target: "reported",
    value: fmt(ratios.throughput, 3),
    met: null,
  });
  return {
    medians,
    ratios,
    addedCpuUsPerRequest: { median: addedMedian, pairs: added },
    addedCpuUsPerRequestAtRate: {
      median: median(addedAtRate),
      pairs: addedAtRate,
    },
    lost: { spans: lostSpans, logs: lostLogs },
    targets,
    failures,
    losses,
    notes,
  };
}
