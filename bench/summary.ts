/**
 * From runs to conclusions: a row per variant (medians of rounds), the CPU
 * a variant adds over the baseline round by round, the targets, and what
 * fails the bench.
 *
 * @module
 */
import { median } from "../lib/stats.ts";
import type { Delivery, RunResult } from "./run.ts";
import { BASELINE, type Variant } from "./variants.ts";

/** The targets, all about `variant`. */
export const TARGETS = {
  variant: "own",
  addedSaturationUs: 20,
  addedRateUs: 30,
  peakRssMb: 150,
  peer: "fastapi",
  throughputOverPeer: 4,
} as const;

/** Other processes' CPU (percent of a core) in a phase above which a note says so. */
export const OTHER_PCT = 10;
/** Load-side CPU (percent of its core) above which req/s may be the load side's limit. */
export const LOAD_SIDE_PCT = 90;

/** A selected variant, unavailable when it could not be prepared. */
export interface Outcome {
  readonly variant: Variant;
  readonly unavailable?: { readonly reason: string; readonly skipped: boolean };
}

/** One row of the table: medians of rounds, peak RSS the largest, deliveries summed. */
export interface Row {
  readonly id: string;
  readonly status: "ran" | "skipped" | "failed";
  readonly reason?: string;
  readonly rounds: number;
  readonly rps: number;
  readonly saturationCpuUs: number;
  readonly rateCpuUs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly peakRssMb: number;
  readonly spans: Delivery;
  readonly logs: Delivery;
}

/** A conclusion: `info` has no target, `n/a` lacks the runs it needs. */
export interface Line {
  readonly name: string;
  readonly value: string;
  readonly target?: string;
  readonly verdict: "met" | "NOT met" | "info" | "n/a";
}

/** Everything concluded. */
export interface Summary {
  readonly rows: Row[];
  readonly lines: Line[];
  /** Runs that failed or miss figures: the bench failed. */
  readonly failures: string[];
  /** Telemetry lost by `TARGETS.variant` (fails a smoke run). */
  readonly losses: string[];
  /** Oddities worth a look that fail nothing. */
  readonly notes: string[];
}

const finite = Number.isFinite;

/** A number with fixed decimals, `n/a` when missing. */
export function num(value: number | null | undefined, digits = 1): string {
  return typeof value === "number" && finite(value)
    ? value.toFixed(digits)
    : "n/a";
}

function total(ds: Delivery[]): Delivery {
  const expected = ds.map((d) => d.expected);
  return {
    received: ds.reduce((n, d) => n + d.received, 0),
    expected: ds.length && !expected.includes(null)
      ? expected.reduce((n, e) => n! + e!, 0)
      : null,
  };
}

function rowOf({ variant, unavailable }: Outcome, runs: RunResult[]): Row {
  const m = (f: (r: RunResult) => number) => median(runs.map(f));
  const ran = runs.length > 0;
  return {
    id: variant.id,
    status: unavailable
      ? (unavailable.skipped ? "skipped" : "failed")
      : ran
      ? "ran"
      : "failed",
    reason: unavailable?.reason ?? (ran ? undefined : "no run completed"),
    rounds: runs.length,
    rps: m((r) => r.saturation.rps),
    saturationCpuUs: m((r) => r.saturationCpu.usPerRequest),
    rateCpuUs: m((r) => r.rateCpu.usPerRequest),
    p50Ms: m((r) => r.rate.p50Ms),
    p99Ms: m((r) => r.rate.p99Ms),
    peakRssMb: ran ? Math.max(...runs.map((r) => r.peakRssMb)) : NaN,
    spans: total(runs.map((r) => r.spans)),
    logs: total(runs.map((r) => r.logs)),
  };
}

/** `id` minus `baseline`, CPU µs per request in `phase`, round by round. */
export function addedCpu(
  runs: readonly RunResult[],
  id: string,
  phase: "saturationCpu" | "rateCpu",
  baseline = BASELINE,
): number[] {
  return runs.flatMap((r) => {
    const b = runs.find((x) => x.variant === baseline && x.round === r.round);
    return r.variant === id && b
      ? [r[phase].usPerRequest - b[phase].usPerRequest]
      : [];
  });
}

const judge = (value: number, ok: boolean): Line["verdict"] =>
  finite(value) && ok ? "met" : "NOT met";

function addedLines(outcomes: readonly Outcome[], runs: RunResult[]): Line[] {
  return outcomes.filter((o) => o.variant.addedOver).flatMap(({ variant }) =>
    ([
      ["saturationCpu", "at saturation", TARGETS.addedSaturationUs],
      ["rateCpu", "at the fixed rate", TARGETS.addedRateUs],
    ] as const).map(([phase, where, limit]) => {
      const base = variant.addedOver!;
      const d = addedCpu(runs, variant.id, phase, base);
      const m = median(d);
      const target = variant.id === TARGETS.variant ? limit : undefined;
      return {
        name: `added CPU per request ${where}, ${variant.id} - ${base}`,
        value: d.length
          ? `${d.map((x) => num(x)).join(", ")} µs by round; median ${
            num(m)
          } µs`
          : `n/a (${variant.id} and ${base} did not both complete a round)`,
        target: target === undefined ? undefined : `<= ${target} µs`,
        verdict: !d.length
          ? "n/a"
          : target === undefined
          ? "info"
          : judge(m, m <= target),
      };
    })
  );
}

function targetLines(rows: readonly Row[], runs: RunResult[]): Line[] {
  const find = (id: string) => rows.find((r) => r.id === id && r.rounds > 0);
  const own = find(TARGETS.variant);
  const peer = find(TARGETS.peer);
  const notRun = `n/a (${TARGETS.variant} did not run)`;
  const lines: Line[] = (["spans", "logs"] as const).map((what) => {
    const noun = what === "spans" ? "spans" : "log records";
    const lost = runs.filter((r) => r.variant === TARGETS.variant).reduce(
      (n, r) => n + Math.max(0, (r[what].expected ?? 0) - r[what].received),
      0,
    );
    const expected = own?.[what].expected ?? 0;
    return {
      name: `${noun} lost at saturation, ${TARGETS.variant}`,
      value: own ? `${lost} of ${expected}` : notRun,
      target: "0",
      verdict: own ? judge(expected, lost === 0 && expected > 0) : "n/a",
    };
  });
  lines.push({
    name: `peak RSS, ${TARGETS.variant} (largest of the rounds)`,
    value: own ? `${num(own.peakRssMb)} MB` : notRun,
    target: `<= ${TARGETS.peakRssMb} MB`,
    verdict: own
      ? judge(own.peakRssMb, own.peakRssMb <= TARGETS.peakRssMb)
      : "n/a",
  });
  const times = own && peer ? own.rps / peer.rps : NaN;
  lines.push({
    name: `throughput ${TARGETS.variant} / ${TARGETS.peer} (median req/s)`,
    value: own && peer
      ? `${num(times, 2)} (${num(own.rps, 0)} / ${num(peer.rps, 0)})`
      : `n/a (${own ? TARGETS.peer : TARGETS.variant} did not run)`,
    target: `>= ${TARGETS.throughputOverPeer}`,
    verdict: own && peer
      ? judge(times, times >= TARGETS.throughputOverPeer)
      : "n/a",
  });
  return lines;
}

/** The failures, losses and notes of one run. */
function check(r: RunResult, v: Variant, s: Summary): void {
  const name = `${r.variant} round ${r.round}`;
  const figures = {
    "req/s": r.saturation.rps,
    "CPU µs/req at saturation": r.saturationCpu.usPerRequest,
    "CPU µs/req at the fixed rate": r.rateCpu.usPerRequest,
    p50: r.rate.p50Ms,
    p99: r.rate.p99Ms,
    "peak RSS": r.peakRssMb,
    "requests handled": r.handled || NaN,
  };
  for (const [figure, value] of Object.entries(figures)) {
    if (!finite(value)) s.failures.push(`${name}: ${figure} is missing`);
  }
  if (!(v.cleanExit ?? [0]).includes(r.exitCode)) {
    s.failures.push(`${name}: exited ${r.exitCode} after SIGTERM`);
  }
  for (
    const [noun, { received: got, expected: exp }] of [["spans", r.spans], [
      "log records",
      r.logs,
    ]] as const
  ) {
    if (exp !== null && got < exp) {
      const lost = `${name}: lost ${exp - got} of ${exp} ${noun}`;
      (v.id === TARGETS.variant ? s.losses : s.notes).push(lost);
    }
    if (exp !== null && got > exp) {
      s.notes.push(`${name}: ${got - exp} more ${noun} than expected`);
    }
  }
  const [sat, rate, other] = [
    r.saturation,
    r.rate,
    Math.max(r.saturationCpu.otherPct, r.rateCpu.otherPct),
  ];
  const odd = sat.errors + sat.non2xx + rate.errors + rate.non2xx +
    rate.skipped;
  for (
    const [when, note] of [
      [
        other > OTHER_PCT,
        `other processes used up to ${
          num(other, 0)
        }% of a core in a phase: figures disturbed`,
      ],
      [
        r.saturationCpu.loadSidePct > LOAD_SIDE_PCT,
        `the load side used ${
          num(r.saturationCpu.loadSidePct, 0)
        }% of its core at saturation: req/s may be its limit`,
      ],
      [
        odd > 0,
        `saturation ${sat.errors} errors, ${sat.non2xx} non-2xx; fixed rate ${rate.errors} errors, ${rate.non2xx} non-2xx, ${rate.skipped} skipped`,
      ],
    ] as const
  ) {
    if (when) s.notes.push(`${name}: ${note}`);
  }
}

/** Summarizes the measured runs (round > 0) of the selected variants, in run order. */
export function summarize(
  outcomes: readonly Outcome[],
  allRuns: readonly RunResult[],
): Summary {
  const runs = allRuns.filter((r) => r.round > 0);
  const rows = outcomes.map((o) =>
    rowOf(o, runs.filter((r) => r.variant === o.variant.id))
  );
  const s: Summary = {
    rows,
    lines: [...addedLines(outcomes, runs), ...targetLines(rows, runs)],
    failures: [],
    losses: [],
    notes: [],
  };
  for (const r of runs) {
    const o = outcomes.find((x) => x.variant.id === r.variant);
    if (o) check(r, o.variant, s);
  }
  const own = rows.find((r) => r.id === TARGETS.variant);
  if (own && own.rounds === 0) {
    s.failures.push(`${TARGETS.variant}: no figures (${own.reason})`);
  }
  return s;
}
