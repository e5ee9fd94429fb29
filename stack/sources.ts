/**
 * Where the checks read each signal: Prometheus in every mode, traces and
 * logs from Tempo and Loki or, where they cannot run, the stand-ins at
 * their addresses.
 *
 * @module
 */
import type { OtlpReceiver } from "../lib/otlp_receiver.ts";
import {
  CATEGORIZE_LABELS,
  envelopeData,
  type LogRecord,
  parseLokiStreams,
  parsePromVector,
  parseTempoSearch,
  parseTempoTrace,
  SPAN_KINDS,
  type TraceSpan,
} from "./checks.ts";
import { getter } from "./poll.ts";

export type PrometheusSource = ReturnType<typeof prometheusSource>;

export interface TraceSource {
  readonly label: string;
  /** Trace ids holding spans of `service` (and of `also`, when given). */
  traceIds(service: string, also?: string): Promise<string[]>;
  trace(traceId: string): Promise<TraceSpan[]>;
  /** How many traces a TraceQL query finds; absent where no Tempo runs. */
  readonly query?: (traceql: string) => Promise<number>;
}

export interface LogSource {
  readonly label: string;
  /** The records of `service`, newest first. */
  logs(service: string): Promise<LogRecord[]>;
  /** How many values a LogQL query returns; absent where no Loki runs. */
  readonly query?: (logql: string) => Promise<number>;
}

const get = getter();

/** `start` and `end` of the last 15 minutes (and a second ahead), in the backend's `unit`. */
function lookback(unit: (unixMs: number) => string) {
  const now = Date.now();
  return { start: unit(now - 15 * 60_000), end: unit(now + 1000) };
}

export function prometheusSource(base: string) {
  const data = async (api: string, params: Record<string, string>) => {
    const window = lookback((ms) => String(ms / 1000));
    const query = new URLSearchParams({ ...params, ...window });
    return envelopeData(
      `Prometheus ${api}`,
      await get(`${base}${api}?${query}`),
    );
  };
  type Exemplars = { exemplars: { labels: Record<string, string> }[] }[];
  return {
    query: async (query: string) =>
      parsePromVector(
        await get(`${base}/api/v1/query?${new URLSearchParams({ query })}`),
      ),
    exemplars: async (query: string) =>
      (await data("/api/v1/query_exemplars", { query }) as Exemplars)
        .flatMap((s) => s.exemplars.map((e) => e.labels)),
    labelValues: (label: string, selector: string): Promise<string[]> =>
      data(`/api/v1/label/${encodeURIComponent(label)}/values`, {
        "match[]": selector,
      }),
  };
}

export function tempoSource(base: string): TraceSource {
  const search = async (q: string, limit = 50) => {
    const window = lookback((ms) => String(Math.round(ms / 1000)));
    const params = new URLSearchParams({ q, limit: String(limit), ...window });
    return parseTempoSearch(await get(`${base}/api/search?${params}`));
  };
  const of = (s: string) => `{ resource.service.name = ${JSON.stringify(s)} }`;
  return {
    label: "Tempo",
    traceIds: (service, also) =>
      search(also ? `${of(also)} && ${of(service)}` : of(service)),
    trace: async (id) =>
      parseTempoTrace(await get(`${base}/api/v2/traces/${id}`)),
    query: async (traceql) => (await search(traceql, 20)).length,
  };
}

export function lokiSource(base: string): LogSource {
  const range = (query: string, limit: number, headers?: HeadersInit) => {
    const window = lookback((ms) => `${BigInt(ms) * 1_000_000n}`);
    const limits = { limit: String(limit), direction: "backward" };
    const params = new URLSearchParams({ query, ...limits, ...window });
    return get(`${base}/loki/api/v1/query_range?${params}`, headers);
  };
  return {
    label: "Loki",
    logs: async (service) => {
      const query = `{service_name=${JSON.stringify(service)}}`;
      return parseLokiStreams(await range(query, 200, CATEGORIZE_LABELS));
    },
    query: async (logql) => {
      const api = "Loki /loki/api/v1/query_range";
      const data = envelopeData(api, await range(logql, 100));
      return (data.result as { values: unknown[] }[])
        .reduce((n, r) => n + r.values.length, 0);
    },
  };
}

/** The spans and log records the Tempo and Loki stand-ins received. */
export function standIns(tempo: OtlpReceiver, loki: OtlpReceiver) {
  const of = <T extends { resource: Record<string, unknown> }>(
    received: T[],
    service: string,
  ) => received.filter((x) => x.resource["service.name"] === service);
  const ids = (service: string) =>
    new Set(of(tempo.spans, service).map((s) => s.traceId));
  const traces: TraceSource = {
    label: "the Tempo stand-in",
    traceIds: (service, also) => {
      const other = ids(also ?? service);
      return Promise.resolve([...ids(service)].filter((id) => other.has(id)));
    },
    trace: (id) =>
      Promise.resolve(
        tempo.spans.filter((s) => s.traceId === id).map((s) => ({
          ...s,
          kind: SPAN_KINDS[s.kind] ?? "UNSPECIFIED",
          serviceName: String(s.resource["service.name"] ?? ""),
        })),
      ),
  };
  const logs: LogSource = {
    label: "the Loki stand-in",
    logs: (service) =>
      Promise.resolve(
        of(loki.logs, service).reverse().map((l) => ({
          traceId: l.traceId || undefined,
          text: String(l.body),
        })),
      ),
  };
  return { traces, logs };
}
