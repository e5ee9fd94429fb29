/**
 * What every check of a run shares: the backends' base URLs, what the stack
 * must contain, effects (fetch, clock), the retry deadline, one query helper
 * per backend API, and the list of results that `check` fills and prints.
 *
 * @module
 */
import {
  CATEGORIZE_LABELS,
  type HttpAnswer,
  type LogEntry,
  LOKI_ENCODING_HEADER,
  parseLokiStreams,
  parsePromVector,
  parseTempoSearch,
  parseTempoTrace,
  type PromSample,
  type TraceHit,
  type TraceSpan,
} from "./checks.ts";
import { basicAuth, errorText, type FetchLike, getAnswer } from "./http.ts";
import { type Clock, realClock, retryUntil } from "./poll.ts";
import { type CheckResult, formatResult, type Print } from "./report.ts";

/** Base URLs of everything the checks query (no trailing slash). */
export interface StackEndpoints {
  readonly app: string;
  readonly prometheus: string;
  readonly tempo: string;
  readonly loki: string;
  readonly grafana: string;
}

/** A provisioned Grafana object the checks expect, by uid. */
export interface Provisioned {
  readonly uid: string;
  readonly title: string;
}

/** What the stack must contain; built from the deploy assets in `targets.ts`. */
export interface Expectations {
  /** `service.name` of the service (`space-app`). */
  readonly service: string;
  /** `service.namespace` of the service (the `job` prefix). */
  readonly namespace: string;
  /** `service.name` of the load generator running in the stack. */
  readonly loadgen: string;
  readonly grafanaUser: string;
  readonly grafanaPassword: string;
  /** Datasource uids whose health check must pass. */
  readonly datasources: readonly string[];
  readonly dashboards: readonly Provisioned[];
  readonly alertRules: readonly Provisioned[];
}

/** Effects the run uses; tests pass fakes. */
export interface RunDeps {
  readonly fetch: FetchLike;
  readonly clock: Clock;
  /** Wall-clock milliseconds since the epoch, for query time ranges. */
  readonly wallNow: () => number;
  readonly print: Print;
}

/** Tunables of a run. */
export interface RunOptions {
  /** How long backend checks keep retrying, from the end of the exercise. */
  readonly ingestTimeoutMs: number;
  /** A check started after the shared deadline still gets this long (default 15 s). */
  readonly minRetryMs?: number;
  /** Pause between attempts of a backend query (default 3 s). */
  readonly intervalMs?: number;
  /** Rounds of `/`, `/work`, `/error` (default 30). */
  readonly rounds?: number;
  /** How far back queries look, in seconds (default 900). */
  readonly lookbackS?: number;
}

/** Trace ids probed in Tempo per attempt, at most. */
export const TRACE_PROBES_PER_ATTEMPT = 10;

/** The shared state and helpers of one run. */
export class Session {
  /** Every result so far, in order. */
  readonly results: CheckResult[] = [];
  /** Basic auth for Grafana's authenticated APIs. */
  readonly grafanaHeaders: Readonly<Record<string, string>>;
  readonly deps: RunDeps;
  #deadline: number;

  constructor(
    readonly endpoints: StackEndpoints,
    readonly expect: Expectations,
    deps: Partial<RunDeps> & Pick<RunDeps, "print">,
    readonly options: RunOptions,
  ) {
    this.deps = {
      fetch: deps.fetch ?? globalThis.fetch,
      clock: deps.clock ?? realClock,
      wallNow: deps.wallNow ?? Date.now,
      print: deps.print,
    };
    this.grafanaHeaders = {
      Authorization: basicAuth(expect.grafanaUser, expect.grafanaPassword),
    };
    this.#deadline = this.deps.clock.now() + options.ingestTimeoutMs;
  }

  /** Starts the ingestion deadline afresh (after the exercise). */
  restartDeadline(): void {
    this.#deadline = this.deps.clock.now() + this.options.ingestTimeoutMs;
  }

  /** Runs one check: `body` resolves with the detail or rejects with why. */
  async check(name: string, body: () => Promise<string>): Promise<void> {
    const { clock } = this.deps;
    const start = clock.now();
    let ok = true;
    let detail: string;
    try {
      detail = await body();
    } catch (error) {
      ok = false;
      detail = errorText(error);
    }
    const result = { name, ok, detail, elapsedMs: clock.now() - start };
    this.results.push(result);
    this.deps.print(formatResult(result));
  }

  /** Retries `attempt` until the shared deadline, or at least `minRetryMs`. */
  async retry<T>(attempt: () => Promise<T>): Promise<T> {
    const { clock } = this.deps;
    const deadline = Math.max(
      this.#deadline,
      clock.now() + (this.options.minRetryMs ?? 15_000),
    );
    const { value } = await retryUntil(attempt, {
      deadline,
      clock,
      intervalMs: this.options.intervalMs ?? 3_000,
    });
    return value;
  }

  /** GET with optional headers. */
  get(url: string, headers?: Record<string, string>): Promise<HttpAnswer> {
    return getAnswer(this.deps.fetch, url, { headers });
  }

  /** The query window: the last `lookbackS` seconds up to now. */
  range(): { startMs: number; endMs: number } {
    const endMs = this.deps.wallNow();
    return { startMs: endMs - (this.options.lookbackS ?? 900) * 1000, endMs };
  }

  /** Tempo `/api/search` with a TraceQL query (times in seconds). */
  async tempoSearch(traceql: string, limit = 50): Promise<TraceHit[]> {
    const { startMs, endMs } = this.range();
    const params = new URLSearchParams({
      q: traceql,
      start: String(Math.floor(startMs / 1000)),
      end: String(Math.ceil(endMs / 1000) + 1),
      limit: String(limit),
    });
    return parseTempoSearch(
      await this.get(`${this.endpoints.tempo}/api/search?${params}`),
    );
  }

  /** Tempo `/api/v2/traces/<id>`. */
  async tempoTrace(traceId: string): Promise<TraceSpan[]> {
    return parseTempoTrace(
      await this.get(`${this.endpoints.tempo}/api/v2/traces/${traceId}`),
    );
  }

  /** Prometheus `/api/v1/query`, an instant vector. */
  async promQuery(promql: string): Promise<PromSample[]> {
    const params = new URLSearchParams({ query: promql });
    return parsePromVector(
      await this.get(`${this.endpoints.prometheus}/api/v1/query?${params}`),
    );
  }

  /** Loki `query_range`, newest first, labels categorized (times in ns). */
  async lokiQuery(logql: string, limit = 200): Promise<LogEntry[]> {
    const { startMs, endMs } = this.range();
    const params = new URLSearchParams({
      query: logql,
      start: `${BigInt(Math.floor(startMs)) * 1_000_000n}`,
      end: `${BigInt(Math.ceil(endMs) + 1000) * 1_000_000n}`,
      limit: String(limit),
      direction: "backward",
    });
    return parseLokiStreams(
      await this.get(
        `${this.endpoints.loki}/loki/api/v1/query_range?${params}`,
        { [LOKI_ENCODING_HEADER]: CATEGORIZE_LABELS },
      ),
    );
  }
}
