/**
 * The request mix: which paths loadgen requests and how often
 * (`--mix /:80,/work:19,/error:1`), and the `ms` it asks `/work` to sleep
 * (`--work-ms 100-500`).
 *
 * @module
 */
import { ConfigError } from "../lib/env.ts";
import { type Random, randomInt } from "./random.ts";

/** One path of the mix and its relative weight. */
export interface MixEntry {
  /** Path as written in the mix, e.g. `/work`; also the span's `url.template`. */
  readonly path: string;
  readonly weight: number;
}

/** An inclusive range of milliseconds. */
export interface MsRange {
  readonly min: number;
  readonly max: number;
}

/** The path that gets a `?ms=` query drawn from the work range. */
export const WORK_PATH = "/work";

/** Largest `--work-ms` bound: the service's default `MAX_WORK_MS`. */
export const MAX_WORK_MS = 10_000;

/** Default mix: mostly `/`, some `/work`, a few `/error`. */
export const DEFAULT_MIX = "/:80,/work:19,/error:1";

/** Default `/work` duration range in ms. */
export const DEFAULT_WORK_MS = "100-500";

const MIX_ALLOWED =
  "comma-separated path:weight pairs with paths starting with / and integer weights, at least one above 0 (e.g. /:80,/work:19,/error:1)";

/** Parses a mix; `name` (flag or variable) names it in errors. */
export function parseMix(name: string, value: string): MixEntry[] {
  const invalid = (detail = "") =>
    new ConfigError(
      `${name}=${JSON.stringify(value)} is invalid: expected ${MIX_ALLOWED}${
        detail ? ` (${detail})` : ""
      }`,
    );
  const entries: MixEntry[] = [];
  for (const item of value.split(",")) {
    const match = /^\s*(\/[^\s:,?#]*)\s*:\s*([0-9]+)\s*$/.exec(item);
    if (!match) throw invalid(`bad item ${JSON.stringify(item)}`);
    const [, path, weightText] = match;
    if (entries.some((e) => e.path === path)) {
      throw invalid(`${path} appears twice`);
    }
    const weight = Number(weightText);
    if (!Number.isSafeInteger(weight)) {
      throw invalid(`bad item ${JSON.stringify(item)}`);
    }
    entries.push({ path, weight });
  }
  if (!entries.some((e) => e.weight > 0)) throw invalid("all weights are 0");
  return entries;
}

/** Parses `MIN-MAX` or a single `N` (0..{@link MAX_WORK_MS}, MIN <= MAX). */
export function parseMsRange(name: string, value: string): MsRange {
  const match = /^\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*)?$/.exec(value);
  const min = match ? Number(match[1]) : NaN;
  const max = match ? Number(match[2] ?? match[1]) : NaN;
  if (!(min >= 0 && max >= min && max <= MAX_WORK_MS)) {
    throw new ConfigError(
      `${name}=${
        JSON.stringify(value)
      } is invalid: expected MIN-MAX or N in milliseconds, integers from 0 to ${MAX_WORK_MS} with MIN <= MAX (e.g. 100-500)`,
    );
  }
  return { min, max };
}

/** A drawn request: the template path and the path with its query. */
export interface Draw {
  /** The mix path (`/work`), used as route and `url.template`. */
  readonly route: string;
  /** What is requested (`/work?ms=231`). */
  readonly pathAndQuery: string;
}

/** Draws paths by weight and `/work` durations uniformly from the range. */
export class MixPicker {
  readonly #entries: readonly MixEntry[];
  readonly #cumulative: number[];
  readonly #total: number;
  readonly #work: MsRange;
  readonly #random: Random;

  constructor(entries: readonly MixEntry[], work: MsRange, random: Random) {
    this.#entries = entries;
    let sum = 0;
    this.#cumulative = entries.map((e) => (sum += e.weight));
    this.#total = sum;
    this.#work = work;
    this.#random = random;
  }

  /** The next route and the path to request. */
  next(): Draw {
    const x = this.#random() * this.#total;
    let i = 0;
    // Entries with weight 0 share their cumulative value with the one before and are never chosen.
    while (i < this.#cumulative.length - 1 && x >= this.#cumulative[i]) i++;
    const route = this.#entries[i].path;
    if (route !== WORK_PATH) return { route, pathAndQuery: route };
    const ms = randomInt(this.#random, this.#work.min, this.#work.max);
    return { route, pathAndQuery: `${route}?ms=${ms}` };
  }
}
