/**
 * From runs to conclusions: a row per variant (medians of rounds), the CPU
 * a variant adds over the baseline round by round, the targets, and what
 * fails the bench; and the printed report: one table with a row per
 * variant, then the target lines, notes, losses and failures.
 *
 * @module
 */
import { median } from "../lib/stats.ts";
import { table } from "../lib/output.ts";
import type { RunResult } from "./run.ts";
import { BASELINE, type Variant, variant } from "./variants.ts";

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
const OTHER_PCT = 10;
/** Load-side CPU (percent of its core) above which req/s may be the load side's limit. */
const LOAD_SIDE_PCT = 90;

/** A selected variant, unavailable when it could not be prepared. */
export interface Outcome {
  readonly variant: Variant;
  readonly unavailable?: { readonly reason: string; readonly skipped: boolean };
}

/** One row of the table: medians of rounds, peak RSS the largest, deliveries summed. */
type Row = ReturnType<typeof rowOf>;

/** A conclusion: `info` has no target, `n/a` lacks the runs it needs. */
const line = (
  name: string,
  value: string,
  verdict: "met" | "NOT met" | "info" | "n/a",
  target?: string,
) => ({ name, value, target, verdict });

export type Summary = ReturnType<typeof summarize>;

/** The deliveries of a run, with their nouns. */
const DELIVERIES = [["spans", "spans"], ["logs", "log records"]] as const;

/** The CPU phases compared against `addedOver`, with their targets for `own`. */
const PHASES = [
  ["saturationCpu", "at saturation", TARGETS.addedSaturationUs],
  ["rateCpu", "at the fixed rate", TARGETS.addedRateUs],
] as const;

/** A number with fixed decimals, `n/a` when missing. */
export function num(value: number | undefined, digits = 1): string {
  return typeof value === "number" && Number.isFinite(value)
    ? value.toFixed(digits)
    : "n/a";
}

const sum = (values: number[]) => values.reduce((n, x) => n + x, 0);

function rowOf({ variant, unavailable }: Outcome, runs: RunResult[]) {
  const m = (f: (r: RunResult) => number) => median(runs.map(f));
  const ran = runs.length > 0;
  const total = (key: "spans" | "logs") => ({
    received: sum(runs.map((r) => r[key].received)),
    expected: sum(runs.map((r) => r[key].expected)),
  });
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
    spans: total("spans"),
    logs: total("logs"),
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

function addedLines(outcomes: readonly Outcome[], runs: RunResult[]) {
  return outcomes.flatMap(({ variant: { id, addedOver: base } }) =>
    !base ? [] : PHASES.map(([phase, where, limit]) => {
      const d = addedCpu(runs, id, phase, base);
      const m = median(d);
      const target = id === TARGETS.variant ? `<= ${limit} µs` : undefined;
      return line(
        `added CPU per request ${where}, ${id} - ${base}`,
        d.length
          ? `${d.map((x) => num(x)).join(", ")} µs by round; median ${
            num(m)
          } µs`
          : `n/a (${id} and ${base} did not both complete a round)`,
        !d.length ? "n/a" : !target ? "info" : m <= limit ? "met" : "NOT met",
        target,
      );
    })
  );
}

function targetLines(rows: readonly Row[], runs: RunResult[]) {
  const { variant: v, peer: p } = TARGETS;
  const find = (id: string) => rows.find((r) => r.id === id && r.rounds > 0);
  const [own, peer] = [find(v), find(p)];
  /** `value` undefined: `missing` did not run. */
  const goal = (
    name: string,
    target: string,
    value: string | undefined,
    ok: boolean,
    missing: string = v,
  ) =>
    value === undefined
      ? line(name, `n/a (${missing} did not run)`, "n/a", target)
      : line(name, value, ok ? "met" : "NOT met", target);
  const times = own && peer ? own.rps / peer.rps : NaN;
  return [
    ...DELIVERIES.map(([key, noun]) => {
      const lost = sum(
        runs.filter((r) => r.variant === v).map((r) =>
          Math.max(0, r[key].expected - r[key].received)
        ),
      );
      const expected = own?.[key].expected ?? 0;
      const value = own && `${lost} of ${expected}`;
      const ok = lost === 0 && expected > 0;
      return goal(`${noun} lost at saturation, ${v}`, "0", value, ok);
    }),
    goal(
      `peak RSS, ${v} (largest of the rounds)`,
      `<= ${TARGETS.peakRssMb} MB`,
      own && `${num(own.peakRssMb)} MB`,
      (own?.peakRssMb ?? NaN) <= TARGETS.peakRssMb,
    ),
    goal(
      `throughput ${v} / ${p} (median req/s)`,
      `>= ${TARGETS.throughputOverPeer}`,
      own && peer &&
        `${num(times, 2)} (${num(own.rps, 0)} / ${num(peer.rps, 0)})`,
      times >= TARGETS.throughputOverPeer,
      own ? p : v,
    ),
  ];
}

/**
 * What the runs say beyond the figures: failures (runs that failed or miss
 * figures: the bench failed), losses (telemetry lost by `TARGETS.variant`,
 * fails a smoke run) and notes (oddities worth a look that fail nothing).
 */
type Findings = Record<"failures" | "losses" | "notes", string[]>;

/** The failures, losses and notes of one run. */
function check(r: RunResult, s: Findings): void {
  const v = variant(r.variant);
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
    if (got < exp) {
      const lost = `${name}: lost ${exp - got} of ${exp} ${noun}`;
      (v.id === TARGETS.variant ? s.losses : s.notes).push(lost);
    }
    if (got > exp) {
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
) {
  const runs = allRuns.filter((r) => r.round > 0);
  const rows = outcomes.map((o) =>
    rowOf(o, runs.filter((r) => r.variant === o.variant.id))
  );
  const findings: Findings = { failures: [], losses: [], notes: [] };
  for (const r of runs) check(r, findings);
  const own = rows.find((r) => r.id === TARGETS.variant);
  if (own && own.rounds === 0) {
    findings.failures.push(`${TARGETS.variant}: no figures (${own.reason})`);
  }
  const lines = [...addedLines(outcomes, runs), ...targetLines(rows, runs)];
  return { rows, lines, ...findings };
}

/** The report as text, after the `header` lines; `rate` names the fixed rate. */
export function renderReport(
  s: Summary,
  header: readonly string[],
  rate: number,
): string {
  const delivery = (key: "spans" | "logs") => (r: Row) =>
    r.rounds > 0 ? `${r[key].received}/${r[key].expected}` : "n/a";
  const cols: [string, (r: Row) => string][] = [
    ["variant", (r) => r.id],
    ["req/s", (r) => num(r.rps, 0)],
    ["CPU µs/req", (r) => num(r.saturationCpuUs)],
    [`CPU µs/req @${rate}/s`, (r) => num(r.rateCpuUs)],
    ["p50 ms", (r) => num(r.p50Ms, 2)],
    ["p99 ms", (r) => num(r.p99Ms, 2)],
    ["peak RSS MB", (r) => num(r.peakRssMb)],
    ["spans recv/exp", delivery("spans")],
    ["logs recv/exp", delivery("logs")],
  ];
  const sections = {
    notes: s.notes,
    "telemetry lost": s.losses,
    FAILED: s.failures,
  };
  return [
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
    "expected from the GET / requests handled (summed over rounds; n/a: the variant did not run).",
    "",
    "targets:",
    ...s.lines.map((l) =>
      `  ${`[${l.verdict}]`.padEnd(9)} ${l.name}: ${l.value}${
        l.target ? ` (target ${l.target})` : ""
      }`
    ),
    ...Object.entries(sections).flatMap(([title, items]) =>
      items.length ? ["", `${title}:`, ...items.map((n) => `  - ${n}`)] : []
    ),
  ].join("\n");
}
