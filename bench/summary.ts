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
export type Row = ReturnType<typeof rowOf>;

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

/** The deliveries of a run, with their nouns. */
const DELIVERIES = [["spans", "spans"], ["logs", "log records"]] as const;

/** The CPU phases compared against `addedOver`, with their targets for `own`. */
const PHASES = [
  ["saturationCpu", "at saturation", TARGETS.addedSaturationUs],
  ["rateCpu", "at the fixed rate", TARGETS.addedRateUs],
] as const;

/** A number with fixed decimals, `n/a` when missing. */
export function num(value: number | null | undefined, digits = 1): string {
  return typeof value === "number" && Number.isFinite(value)
    ? value.toFixed(digits)
    : "n/a";
}

const sum = (values: number[]) => values.reduce((n, x) => n + x, 0);

function total(ds: Delivery[]): Delivery {
  const expected = ds.map((d) => d.expected);
  return {
    received: sum(ds.map((d) => d.received)),
    expected: ds.length && !expected.includes(null)
      ? sum(expected as number[])
      : null,
  };
}

function rowOf({ variant, unavailable }: Outcome, runs: RunResult[]) {
  const m = (f: (r: RunResult) => number) => median(runs.map(f));
  const ran = runs.length > 0;
  return {
    id: variant.id,
    status: unavailable?.skipped
      ? "skipped"
      : unavailable || !ran
      ? "failed"
      : "ran",
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

function addedLines(outcomes: readonly Outcome[], runs: RunResult[]): Line[] {
  return outcomes.flatMap(({ variant: { id, addedOver: base } }) =>
    !base ? [] : PHASES.map(([phase, where, limit]): Line => {
      const d = addedCpu(runs, id, phase, base);
      const m = median(d);
      const target = id === TARGETS.variant ? `<= ${limit} µs` : undefined;
      return {
        name: `added CPU per request ${where}, ${id} - ${base}`,
        value: d.length
          ? `${d.map((x) => num(x)).join(", ")} µs by round; median ${
            num(m)
          } µs`
          : `n/a (${id} and ${base} did not both complete a round)`,
        target,
        verdict: !d.length
          ? "n/a"
          : !target
          ? "info"
          : m <= limit
          ? "met"
          : "NOT met",
      };
    })
  );
}

function targetLines(rows: readonly Row[], runs: RunResult[]): Line[] {
  const { variant: v, peer: p } = TARGETS;
  const find = (id: string) => rows.find((r) => r.id === id && r.rounds > 0);
  const [own, peer] = [find(v), find(p)];
  /** `value` undefined: `missing` did not run. */
  const line = (
    name: string,
    target: string,
    value: string | undefined,
    ok: boolean,
    missing: string = v,
  ): Line =>
    value === undefined
      ? { name, value: `n/a (${missing} did not run)`, target, verdict: "n/a" }
      : { name, value, target, verdict: ok ? "met" : "NOT met" };
  const times = own && peer ? own.rps / peer.rps : NaN;
  return [
    ...DELIVERIES.map(([key, noun]) => {
      const lost = sum(
        runs.filter((r) => r.variant === v).map((r) =>
          Math.max(0, (r[key].expected ?? 0) - r[key].received)
        ),
      );
      const expected = own?.[key].expected ?? 0;
      const value = own && `${lost} of ${expected}`;
      const ok = lost === 0 && expected > 0;
      return line(`${noun} lost at saturation, ${v}`, "0", value, ok);
    }),
    line(
      `peak RSS, ${v} (largest of the rounds)`,
      `<= ${TARGETS.peakRssMb} MB`,
      own && `${num(own.peakRssMb)} MB`,
      (own?.peakRssMb ?? NaN) <= TARGETS.peakRssMb,
    ),
    line(
      `throughput ${v} / ${p} (median req/s)`,
      `>= ${TARGETS.throughputOverPeer}`,
      own && peer &&
        `${num(times, 2)} (${num(own.rps, 0)} / ${num(peer.rps, 0)})`,
      times >= TARGETS.throughputOverPeer,
      own ? p : v,
    ),
  ];
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
    if (!Number.isFinite(value)) {
      s.failures.push(`${name}: ${figure} is missing`);
    }
  }
  if (!(v.cleanExit ?? [0]).includes(r.exitCode)) {
    s.failures.push(`${name}: exited ${r.exitCode} after SIGTERM`);
  }
  for (const [key, noun] of DELIVERIES) {
    const { received: got, expected: exp } = r[key];
    if (exp !== null && got < exp) {
      const lost = `${name}: lost ${exp - got} of ${exp} ${noun}`;
      (v.id === TARGETS.variant ? s.losses : s.notes).push(lost);
    }
    if (exp !== null && got > exp) {
      s.notes.push(`${name}: ${got - exp} more ${noun} than expected`);
    }
  }
  const { saturation: sat, rate, saturationCpu } = r;
  const other = Math.max(saturationCpu.otherPct, r.rateCpu.otherPct);
  if (other > OTHER_PCT) {
    s.notes.push(
      `${name}: other processes used up to ${
        num(other, 0)
      }% of a core in a phase: figures disturbed`,
    );
  }
  if (saturationCpu.loadSidePct > LOAD_SIDE_PCT) {
    s.notes.push(
      `${name}: the load side used ${
        num(saturationCpu.loadSidePct, 0)
      }% of its core at saturation: req/s may be its limit`,
    );
  }
  if (sat.errors + sat.non2xx + rate.errors + rate.non2xx + rate.skipped) {
    s.notes.push(
      `${name}: saturation ${sat.errors} errors, ${sat.non2xx} non-2xx; fixed rate ${rate.errors} errors, ${rate.non2xx} non-2xx, ${rate.skipped} skipped`,
    );
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
