/**
 * Every metric instrument the services record: name, kind, unit and
 * attributes, in one place that both the service and `gen/` import.
 *
 * This module must stay free of SDK imports so the deploy generator can
 * use it without pulling OpenTelemetry into its module graph.
 *
 * @module
 */

/** A metric instrument as declared to the meter. */
export interface InstrumentSpec {
  /** OpenTelemetry instrument name (dots allowed). */
  readonly name: string;
  readonly kind: "counter" | "histogram" | "updowncounter";
  /** UCUM unit; none for a dimensionless count. */
  readonly unit?: string;
  readonly description: string;
  /** Attribute keys recorded on every measurement. */
  readonly attributes: readonly string[];
  /** Explicit histogram bucket boundaries, in the instrument's unit. */
  readonly buckets?: readonly number[];
}

/**
 * Latency bucket boundaries in milliseconds: the HTTP semantic conventions'
 * recommended buckets.
 */
export const MILLISECOND_BUCKETS: readonly number[] = [
  5,
  10,
  25,
  50,
  75,
  100,
  250,
  500,
  750,
  1000,
  2500,
  5000,
  7500,
  10000,
];

/** The same boundaries in seconds (division by 1000 gives the exact decimals). */
export const SECOND_BUCKETS = MILLISECOND_BUCKETS.map((ms) => ms / 1000);

// The app's own metrics, by route.
export const APP_REQUESTS: InstrumentSpec = {
  name: "app_requests_total",
  kind: "counter",
  description: "Requests served, by route.",
  attributes: ["route"],
};

export const APP_REQUEST_ERRORS: InstrumentSpec = {
  name: "app_request_errors_total",
  kind: "counter",
  description: "Requests answered with a 5xx status, by route.",
  attributes: ["route"],
};

export const APP_REQUEST_DURATION: InstrumentSpec = {
  name: "app_request_duration_ms",
  kind: "histogram",
  unit: "ms",
  description: "Request duration in milliseconds, by route.",
  attributes: ["route"],
  buckets: MILLISECOND_BUCKETS,
};

// The HTTP semantic conventions' server metrics.
export const HTTP_SERVER_DURATION: InstrumentSpec = {
  name: "http.server.request.duration",
  kind: "histogram",
  unit: "s",
  description: "Duration of HTTP server requests.",
  attributes: [
    "http.request.method",
    "http.route",
    "http.response.status_code",
    "url.scheme",
    "error.type",
  ],
  buckets: SECOND_BUCKETS,
};

export const HTTP_SERVER_ACTIVE: InstrumentSpec = {
  name: "http.server.active_requests",
  kind: "updowncounter",
  unit: "{request}",
  description: "Number of active HTTP server requests.",
  attributes: ["http.request.method", "url.scheme"],
};

/**
 * The SDK's self-observability counters (semantic conventions "SDK
 * metrics"): the batch processors count every span and log record they
 * finish with, `error.type="queue_full"` for those they drop; the OTLP
 * exporter counts what it exported, with `error.type` for what failed.
 */
const SDK_COMPONENT = [
  "otel.component.type",
  "otel.component.name",
  "error.type",
];

export const SDK_SPANS_PROCESSED: InstrumentSpec = {
  name: "otel.sdk.processor.span.processed",
  kind: "counter",
  unit: "{span}",
  description:
    "Spans the batch processor finished with, dropped ones by error.type.",
  attributes: SDK_COMPONENT,
};

export const SDK_LOGS_PROCESSED: InstrumentSpec = {
  name: "otel.sdk.processor.log.processed",
  kind: "counter",
  unit: "{log_record}",
  description:
    "Log records the batch processor finished with, dropped ones by error.type.",
  attributes: SDK_COMPONENT,
};

export const SDK_SPANS_EXPORTED: InstrumentSpec = {
  name: "otel.sdk.exporter.span.exported",
  kind: "counter",
  unit: "{span}",
  description: "Spans whose export finished, failed ones by error.type.",
  attributes: [...SDK_COMPONENT, "server.address", "server.port"],
};

export const SDK_LOGS_EXPORTED: InstrumentSpec = {
  name: "otel.sdk.exporter.log.exported",
  kind: "counter",
  unit: "{log}",
  description: "Log records whose export finished, failed ones by error.type.",
  attributes: [...SDK_COMPONENT, "server.address", "server.port"],
};

/** What the SDK and the exporter record about telemetry itself. */
export const SELF_OBSERVABILITY: readonly InstrumentSpec[] = [
  SDK_SPANS_PROCESSED,
  SDK_LOGS_PROCESSED,
  SDK_SPANS_EXPORTED,
  SDK_LOGS_EXPORTED,
];

// Recorded by loadgen.
export const HTTP_CLIENT_DURATION: InstrumentSpec = {
  name: "http.client.request.duration",
  kind: "histogram",
  unit: "s",
  description: "Duration of HTTP client requests.",
  attributes: [
    "http.request.method",
    "http.response.status_code",
    "server.address",
    "server.port",
    "url.template",
    "error.type",
  ],
  buckets: SECOND_BUCKETS,
};

export const LOADGEN_REQUESTS: InstrumentSpec = {
  name: "loadgen.requests",
  kind: "counter",
  unit: "{request}",
  description:
    "Arrivals of the load generator by route and outcome (shortfall: not sent).",
  attributes: ["route", "outcome"],
};

/** Instruments recorded by the space-app service. */
export const SERVICE_INSTRUMENTS: readonly InstrumentSpec[] = [
  APP_REQUESTS,
  APP_REQUEST_ERRORS,
  APP_REQUEST_DURATION,
  HTTP_SERVER_DURATION,
  HTTP_SERVER_ACTIVE,
  ...SELF_OBSERVABILITY,
];

/** Instruments recorded by the load generator. */
export const LOADGEN_INSTRUMENTS: readonly InstrumentSpec[] = [
  HTTP_CLIENT_DURATION,
  LOADGEN_REQUESTS,
  ...SELF_OBSERVABILITY,
];

const UNIT_WORDS: Readonly<Record<string, string>> = {
  // time
  d: "days",
  h: "hours",
  min: "minutes",
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  // bytes
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  GiBy: "gibibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  GBy: "gigabytes",
  // other SI
  m: "meters",
  V: "volts",
  A: "amperes",
  J: "joules",
  W: "watts",
  g: "grams",
  Cel: "celsius",
  Hz: "hertz",
  "%": "percent",
};

const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: "second",
  m: "minute",
  h: "hour",
  d: "day",
  w: "week",
  mo: "month",
  y: "year",
};

/** Split on every character outside [A-Za-z0-9:], dropping empty tokens. */
function tokens(text: string): string[] {
  return text.split(/[^A-Za-z0-9:]+/).filter((t) => t.length > 0);
}

/** The main unit word and the `per_x` word of a unit: `ms` -> ["milliseconds", ""]. */
function unitWords(unit: string): [string, string] {
  // Annotations in braces ({request}) carry no unit.
  const [main, per] = unit.replace(/\{[^}]*\}/g, "").trim().split("/", 2);
  return [
    main && main !== "1" ? tokens(UNIT_WORDS[main] ?? main).join("_") : "",
    per ? tokens(PER_UNIT_WORDS[per] ?? UNIT_WORDS[per] ?? per).join("_") : "",
  ];
}

/**
 * The metric family name Prometheus's OTLP receiver gives an instrument
 * under its default `UnderscoreEscapingWithSuffixes` translation
 * (prometheus/otlptranslator v1.0.0 `metric_namer.go`, `unit_namer.go`):
 * characters outside [A-Za-z0-9:] become `_`, the unit word is appended
 * unless that token is already in the name, a `per_x` unit part always is,
 * and monotonic counters end in `_total` (never doubled). (`_ratio` is for
 * gauges with unit `1`; no instrument here is a gauge.)
 */
export function prometheusName(spec: InstrumentSpec): string {
  const parts = tokens(spec.name);
  const [mainWord, perWord] = unitWords(spec.unit ?? "");
  if (mainWord && !parts.includes(mainWord)) parts.push(mainWord);
  if (perWord) parts.push("per", perWord);
  if (spec.kind === "counter" && parts.at(-1) !== "total") parts.push("total");
  return parts.join("_");
}

/** Every series name an instrument produces after translation. */
export function prometheusSeries(spec: InstrumentSpec): string[] {
  const base = prometheusName(spec);
  return spec.kind === "histogram"
    ? [`${base}_bucket`, `${base}_sum`, `${base}_count`]
    : [base];
}

/** A Prometheus label name for an attribute key (`http.route` -> `http_route`). */
export function prometheusLabel(attribute: string): string {
  const label = tokens(attribute).join("_");
  return /^[0-9]/.test(label) ? `key_${label}` : label;
}

/** The `job` label the exporter derives from the resource. */
export function prometheusJob(serviceName: string, namespace?: string): string {
  return namespace ? `${namespace}/${serviceName}` : serviceName;
}
