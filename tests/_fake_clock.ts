/**
 * A virtual clock for loadgen's scheduler: `sleep` registers a timer and
 * `run` advances time from timer to timer until a promise settles, so a
 * schedule of minutes runs in milliseconds and always the same way.
 *
 * @module
 */
import type { Clock } from "../loadgen/clock.ts";

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

const macrotask = () => new Promise<void>((r) => setTimeout(r, 0));

/** A {@link Clock} that only moves inside {@link FakeClock.run}. */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: Timer[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve,
      };
      this.#timers.push(timer);
      signal?.addEventListener("abort", () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      }, { once: true });
    });
  }

  /** Moves time to `ms` at the latest, firing the timers due by then. */
  async advanceTo(ms: number): Promise<void> {
    while (true) {
      await macrotask();
      const next = this.#nextTimer();
      if (!next || next.at > ms) break;
      this.#fire(next);
    }
    this.#now = Math.max(this.#now, ms);
  }

  /** Advances virtual time, timer by timer, until `promise` settles. */
  async run<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    promise.then(() => (settled = true), () => (settled = true));
    while (true) {
      await macrotask();
      if (settled) return await promise;
      const next = this.#nextTimer();
      if (!next) throw new Error("stuck: no timer pending and not settled");
      this.#fire(next);
    }
  }

  #nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) {
        best = t;
      }
    }
    return best;
  }

  #fire(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#now = Math.max(this.#now, timer.at);
    timer.resolve();
  }
}
