/**
 * A small seeded pseudo-random generator (mulberry32), so that `--seed N`
 * reproduces the same sequence of routes and work durations.
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
