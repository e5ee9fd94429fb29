/**
 * Open-loop scheduling: arrivals follow the rate, not the responses. Each
 * arrival either starts a request or, when the concurrency cap is reached,
 * is counted as shortfall; nothing waits for an answer before the next
 * arrival is due. A target that refuses connections pauses the schedule:
 * single probe requests are sent with exponential backoff until one gets an
 * answer, and the schedule restarts from then (no burst to catch up).
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { LoadgenConfig } from "./flags.ts";

/** What the scheduler needs to know of a finished request. */
export interface SendOutcome {
  /** Set when the target could not be reached (refused, DNS, connect): the reason. */
  readonly unreachable?: string;
}

/** Backoff while the target is unreachable: 250 ms, doubling up to 5 s. */
const BACKOFF_INITIAL_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export type TargetState =
  | { readonly up: true }
  | { readonly up: false; readonly reason: string; readonly backoffMs: number };

export interface ScheduleOptions<T>
  extends
    Pick<LoadgenConfig, "rate" | "concurrency" | "durationMs" | "requests"> {
  readonly clock: Clock;
  /** Aborting stops scheduling; requests in flight are still awaited. */
  readonly signal?: AbortSignal;
  /** Draws the item of the next arrival (called once per arrival, sent or not). */
  draw(): T;
  /** Sends one item; resolves when its request has finished. */
  send(item: T): Promise<SendOutcome>;
  /** An arrival turned away by the concurrency cap. */
  skip(item: T): void;
  /** Called when the target goes down, its backoff grows, or it comes back. */
  onTargetState?(state: TargetState): void;
}

export class OpenLoopScheduler<T> {
  readonly #pending = new Set<Promise<void>>();
  #arrivals = 0;
  #state: TargetState = { up: true };

  constructor(private readonly o: ScheduleOptions<T>) {}

  get inFlight(): number {
    return this.#pending.size;
  }

  get targetState(): TargetState {
    return this.#state;
  }

  #setState(state: TargetState): void {
    this.#state = state;
    this.o.onTargetState?.(state);
  }

  /** One arrival: sent, or counted as shortfall. Resolves when it is finished. */
  #arrive(): Promise<void> {
    this.#arrivals++;
    const item = this.o.draw();
    if (this.#pending.size >= this.o.concurrency) {
      this.o.skip(item);
      return Promise.resolve();
    }
    const request: Promise<void> = this.o.send(item)
      .catch(() => ({}))
      .then(({ unreachable }: SendOutcome) => {
        this.#pending.delete(request);
        if (unreachable !== undefined && this.#state.up) {
          this.#setState({
            up: false,
            reason: unreachable,
            backoffMs: BACKOFF_INITIAL_MS,
          });
        } else if (unreachable === undefined && !this.#state.up) {
          this.#setState({ up: true });
        }
      });
    this.#pending.add(request);
    return request;
  }

  #stopped(): boolean {
    const { requests = Infinity, signal } = this.o;
    return (signal?.aborted ?? false) || this.#arrivals >= requests;
  }

  /**
   * Runs the schedule; resolves once scheduling ended and every request
   * finished, with the arrivals (sent plus shortfall) and the time from the
   * start to the end of scheduling (before in-flight requests finished).
   */
  async run(): Promise<{ arrivals: number; scheduledMs: number }> {
    const { clock, signal } = this.o;
    const intervalMs = 1_000 / this.o.rate;
    const start = clock.now();
    const end = start + (this.o.durationMs ?? Infinity);
    let base = start;
    let k = 0; // arrivals since `base`
    let wasDown = false;
    while (!this.#stopped()) {
      const now = clock.now();
      if (now >= end) break;
      const state = this.#state;
      if (!state.up) {
        wasDown = true;
        await clock.sleep(Math.min(state.backoffMs, end - now), signal);
        if (this.#stopped() || clock.now() >= end || this.#state.up) continue;
        await this.#arrive(); // a probe, awaited
        const after = this.#state;
        if (!after.up) {
          this.#setState({
            ...after,
            backoffMs: Math.min(after.backoffMs * 2, BACKOFF_MAX_MS),
          });
        }
        continue;
      }
      if (wasDown) {
        // Back up: restart the schedule from now rather than bursting to catch up.
        wasDown = false;
        base = now + intervalMs;
        k = 0;
      }
      const due = base + k * intervalMs;
      if (due >= end) break;
      if (due > now) {
        await clock.sleep(due - now, signal);
        continue;
      }
      void this.#arrive();
      k++;
    }
    if (!signal?.aborted && this.#state.up) {
      // The last arrival owns one interval: N arrivals take N/rate seconds,
      // and a run with a duration lasts that duration.
      const tail = Math.min(base + k * intervalMs, end);
      const now = clock.now();
      if (Number.isFinite(tail) && tail > now) {
        await clock.sleep(tail - now, signal);
      }
    }
    const scheduledMs = clock.now() - start;
    while (this.#pending.size > 0) await Promise.all(this.#pending);
    return { arrivals: this.#arrivals, scheduledMs };
  }
}
