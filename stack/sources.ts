/**
 * Where the checks read each signal: Prometheus for metrics in every mode;
 * traces from Tempo or, where Tempo cannot run, from the stand-in at its
 * address; logs from Loki or its stand-in; Grafana where it runs. Each
 * source turns a backend's API answers into the shapes the checks use,
 * with the pure parsers of `checks/`.
 *
 * @module
 */
import {
  CATEGORIZE_LABELS,
  entryTraceId,
  type HttpAnswer,
  type LogEntry,
  LOKI_ENCODING_HEADER,
  parseJson,
  parseLokiStreams,
  parsePromVector,
  parseTempoSearch,
  parseTempoTrace,
  type PromSample,
  requireOk,
  type TraceSpan,
} from "./checks.ts";
import { type FetchLike, getAnswer } from "./http.ts";
import type { OtlpReceiver, ReceivedSpan } from "../lib/otlp_receiver.ts";

/** How far back queries look. */
const LOOKBACK_MS = 15 * 60_000;

/** GETs `url`; the answer whatever its status. */
export type Get = (
  url: string,
  headers?: Record<string, string>,
) => Promise<HttpAnswer>;

/** A {@link Get} on a fetch function. */
export function getter(fetch: FetchLike): Get {
  return (url, headers) => getAnswer(fetch, url, { headers });
}

/** Prometheus' HTTP API. */
export interface PrometheusSource {
  /** An instant query's vector (throws on a query error). */
  query(promql: string): Promise<PromSample[]>;
  /** Exemplars of a selector over the lookback window. */
  exemplars(selector: string): Promise<Record<string, string>[]>;
  /** The values of `label` on the series `selector` matches. */
  labelValues(label: string, selector: string): Promise<string[]>;
}

/** Prometheus at `base`. */
export function prometheusSource(base: string, get: Get): PrometheusSource {
  const window = () => {
    const end = Date.now() / 1000;
    return { start: String(end - LOOKBACK_MS / 1000), end: String(end + 1) };
  };
  const data = async (api: string, path: string) => {
    const answer = await get(`${base}${path}`);
    requireOk(api, answer);
    return (parseJson(api, answer) as { data: unknown }).data;
  };
  return {
    async query(promql) {
      const params = new URLSearchParams({ query: promql });
      return parsePromVector(await get(`${base}/api/v1/query?${params}`));
    },
    async exemplars(selector) {
      const params = new URLSearchParams({ query: selector, ...window() });
      const found = await data(
        "Prometheus /api/v1/query_exemplars",
        `/api/v1/query_exemplars?${params}`,
      ) as { exemplars: { labels: Record<string, string> }[] }[];
      return found.flatMap((s) => s.exemplars.map((e) => e.labels));
    },
    async labelValues(label, selector) {
      const params = new URLSearchParams({ "match[]": selector, ...window() });
      return await data(
        "Prometheus /api/v1/label",
        `/api/v1/label/${encodeURIComponent(label)}/values?${params}`,
      ) as string[];
    },
  };
}

/** Traces: every span of a service, and the spans of one trace. */
export interface TraceSource {
  /** "Tempo" or "the Tempo stand-in". */
  readonly label: string;
  /** Trace ids holding spans of `service` (and of `also`, when given). */
  traceIds(service: string, also?: string): Promise<string[]>;
  trace(traceId: string): Promise<TraceSpan[]>;
  /** Traces a TraceQL query finds; absent where no Tempo runs. */
  readonly traceql?: (query: string) => Promise<string[]>;
}

/** Logs: the records of a service. */
export interface LogSource {
  readonly label: string;
  /** Records of `service`, newest first; trace ids where they carry one. */
  logs(service: string): Promise<{ traceId?: string; text: string }[]>;
  /** Lines a LogQL query returns; absent where no Loki runs. */
  readonly logql?: (query: string) => Promise<number>;
}

/** A TraceQL string literal. */
function traceql(value: string): string {
  return JSON.stringify(value);
}

/** Tempo at `base`. */
export function tempoSource(base: string, get: Get): TraceSource {
  const search = async (q: string, limit = 50) => {
    const end = Date.now();
    const params = new URLSearchParams({
      q,
      start: String(Math.floor((end - LOOKBACK_MS) / 1000)),
      end: String(Math.ceil(end / 1000) + 1),
      limit: String(limit),
    });
    return (await parseTempoSearch(await get(`${base}/api/search?${params}`)))
      .map((h) => h.traceId);
  };
  const of = (s: string) => `{ resource.service.name = ${traceql(s)} }`;
  return {
    label: "Tempo",
    traceIds: (service, also) =>
      search(also ? `${of(also)} && ${of(service)}` : of(service)),
    trace: async (id) =>
      parseTempoTrace(await get(`${base}/api/v2/traces/${id}`)),
    traceql: (query) => search(query, 20),
  };
}

/** Loki at `base`. */
export function lokiSource(base: string, get: Get): LogSource {
  const range = async (query: string, limit = 200): Promise<LogEntry[]> => {
    const end = Date.now();
    const params = new URLSearchParams({
      query,
      start: `${BigInt(end - LOOKBACK_MS) * 1_000_000n}`,
      end: `${BigInt(end + 1000) * 1_000_000n}`,
      limit: String(limit),
      direction: "backward",
    });
    return parseLokiStreams(
      await get(`${base}/loki/api/v1/query_range?${params}`, {
        [LOKI_ENCODING_HEADER]: CATEGORIZE_LABELS,
      }),
    );
  };
  return {
    label: "Loki",
    logs: async (service) =>
      (await range(`{service_name=${JSON.stringify(service)}}`)).map((e) => ({
        traceId: entryTraceId(e),
        text: e.line,
      })),
    logql: async (query) => {
      const end = Date.now();
      const params = new URLSearchParams({
        query,
        start: `${BigInt(end - LOOKBACK_MS) * 1_000_000n}`,
        end: `${BigInt(end + 1000) * 1_000_000n}`,
        limit: "100",
      });
      const api = "Loki /loki/api/v1/query_range";
      const answer = await get(`${base}/loki/api/v1/query_range?${params}`);
      requireOk(api, answer);
      const result = (parseJson(api, answer) as {
        data: { result: { values: unknown[] }[] };
      }).data.result;
      return result.reduce((n, r) => n + r.values.length, 0);
    },
  };
}

const KIND_NAMES = [
  "UNSPECIFIED",
  "INTERNAL",
  "SERVER",
  "CLIENT",
  "PRODUCER",
  "CONSUMER",
] as const;

/** The spans the Tempo stand-in received. */
export function standInTraces(standIn: OtlpReceiver): TraceSource {
  const asSpan = (s: ReceivedSpan): TraceSpan => ({
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: KIND_NAMES[s.kind] ?? "UNSPECIFIED",
    serviceName: String(s.resource["service.name"] ?? ""),
    statusCode: "UNSET",
  });
  const ids = (service: string) =>
    new Set(
      standIn.spans.filter((s) => s.resource["service.name"] === service)
        .map((s) => s.traceId),
    );
  return {
    label: "the Tempo stand-in",
    traceIds: (service, also) => {
      const mine = ids(service);
      const other = also ? ids(also) : mine;
      return Promise.resolve([...mine].filter((id) => other.has(id)));
    },
    trace: (id) =>
      Promise.resolve(
        standIn.spans.filter((s) => s.traceId === id).map(asSpan),
      ),
  };
}

/** The log records the Loki stand-in received. */
export function standInLogs(standIn: OtlpReceiver): LogSource {
  return {
    label: "the Loki stand-in",
    logs: (service) =>
      Promise.resolve(
        standIn.logs.filter((l) => l.resource["service.name"] === service)
          .reverse().map((
            l,
          ) => ({ traceId: l.traceId || undefined, text: String(l.body) })),
      ),
  };
}
