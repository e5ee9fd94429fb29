/**
 * Latency samples and their percentiles. Every value is kept up to a
 * capacity (exact percentiles); past it a uniform reservoir of that size
 * stands for all of them, so a run of days keeps bounded memory. Count and
 * maximum are always exact.
 *
 * @module
 */

import { percentile } from "../lib/stats.ts";

/** Values kept before reservoir sampling starts (8 bytes each). */
export const DEFAULT_CAPACITY = 200_000;

/** Percentiles of a sample, in milliseconds; `undefined` with no values. */
export interface Percentiles {
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
}

/** Latencies in milliseconds. */
export class LatencySample {
  readonly #capacity: number;
  readonly #random: () => number;
  #values: Float64Array;
  #kept = 0;
  #count = 0;
  #max = -Infinity;

  /** `random` picks reservoir slots once the capacity is reached. */
  constructor(capacity = DEFAULT_CAPACITY, random: () => number = Math.random) {
    this.#capacity = capacity;
    this.#random = random;
    this.#values = new Float64Array(Math.min(capacity, 1_024));
  }

  /** Values recorded (not only those kept). */
  get count(): number {
    return this.#count;
  }

  /** True once percentiles are estimated from a reservoir. */
  get sampled(): boolean {
    return this.#count > this.#capacity;
  }

  /** Records one latency. */
  add(ms: number): void {
    this.#count++;
    if (ms > this.#max) this.#max = ms;
    if (this.#kept < this.#capacity) {
      if (this.#kept === this.#values.length) {
        const grown = new Float64Array(
          Math.min(this.#capacity, this.#values.length * 2),
        );
        grown.set(this.#values);
        this.#values = grown;
      }
      this.#values[this.#kept++] = ms;
      return;
    }
    // Reservoir sampling (algorithm R): each value is kept with probability capacity/count.
    const slot = Math.floor(this.#random() * this.#count);
    if (slot < this.#capacity) this.#values[slot] = ms;
  }

  /** p50, p95, p99 and the maximum. */
  percentiles(): Percentiles {
    const sorted = this.#values.slice(0, this.#kept).sort();
    return {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: this.#count > 0 ? this.#max : undefined,
    };
  }
}
