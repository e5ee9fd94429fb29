/**
 * The request mix: which paths loadgen requests and how often
 * (`--mix /:80,/work:19,/error:1`), and the `ms` it asks `/work` to sleep
 * (`--work-ms 100-500`), drawn from a small seeded generator (mulberry32)
 * so that `--seed N` reproduces the same sequence.
 *
 * @module
 */

/** Returns a float in `[0, 1)`; each call advances the sequence. */
export type Random = () => number;

/** The largest accepted seed (seeds are unsigned 32-bit integers). */
export const MAX_SEED = 0xffff_ffff;

/** A generator seeded with `seed` (an integer from 0 to {@link MAX_SEED}). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A seed drawn from the system's random source, for runs without `--seed`. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** An integer in `[min, max]` (both inclusive), uniformly drawn. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

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

export interface Draw {
  /** The mix path (`/work`), used as route and `url.template`. */
  readonly route: string;
  /** What is requested (`/work?ms=231`). */
  readonly pathAndQuery: string;
}

/** Draws paths by weight, and `/work` durations uniformly from `work`. */
export function mixPicker(
  entries: readonly MixEntry[],
  work: MsRange,
  random: Random,
): () => Draw {
  let total = 0;
  const cumulative = entries.map((e) => (total += e.weight));
  return () => {
    const x = random() * total;
    let i = 0;
    // Entries with weight 0 share their cumulative value with the one before and are never chosen.
    while (i < cumulative.length - 1 && x >= cumulative[i]) i++;
    const route = entries[i].path;
    if (route !== "/work") return { route, pathAndQuery: route };
    const ms = randomInt(random, work.min, work.max);
    return { route, pathAndQuery: `${route}?ms=${ms}` };
  };
}
