/**
 * Prometheus HTTP API (`GET /api/v1/query`): instant vectors, error
 * payloads, and PromQL selectors built from our own names.
 *
 * Response shape (Prometheus v3 `web/api/v1`): `{"status": "success",
 * "data": {"resultType": "vector", "result": [{"metric": {...}, "value":
 * [<unix seconds>, "<value>"]}]}, "warnings"?: [...], "infos"?: [...]}`;
 * on failure `{"status": "error", "errorType": "...", "error": "..."}` with
 * a 4xx/5xx status.
 *
 * @module
 */
import {
  ApiError,
  asArray,
  asRecord,
  asString,
  asStringMap,
  excerpt,
  type HttpAnswer,
  parseJson,
} from "./common.ts";

/** One sample of an instant vector. */
export interface PromSample {
  /** Labels, `__name__` included. */
  readonly metric: Readonly<Record<string, string>>;
  /** The value (`NaN`, `±Inf` kept as such). */
  readonly value: number;
  /** Evaluation time, Unix seconds. */
  readonly time: number;
}

/** A Prometheus sample value string as a number (`"+Inf"`, `"NaN"` too). */
export function promValue(text: string): number {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

/**
 * The samples of a `/api/v1/query` answer whose result is a vector. Throws
 * {@link ApiError} on `status: "error"` (quoting `errorType` and `error`),
 * a non-JSON body, or another result type.
 */
export function parsePromVector(answer: HttpAnswer): PromSample[] {
  const api = "Prometheus /api/v1/query";
  const json = asRecord(parseJson(api, answer));
  if (!json) throw new ApiError(`${api}: answer is not an object`);
  if (json.status === "error") {
    throw new ApiError(
      `${api}: ${answer.status} ${asString(json.errorType, "error")}: ${
        asString(json.error, "(no message)")
      }`,
    );
  }
  if (json.status !== "success" || answer.status !== 200) {
    throw new ApiError(
      `${api}: ${answer.status} unexpected answer: ${excerpt(answer.body)}`,
    );
  }
  const data = asRecord(json.data);
  const type = asString(data?.resultType);
  if (type !== "vector") {
    throw new ApiError(`${api}: result type is "${type}", expected "vector"`);
  }
  return asArray(data?.result).map((item) => {
    const sample = asRecord(item);
    const pair = asArray(sample?.value);
    return {
      metric: asStringMap(sample?.metric),
      time: Number(pair[0]),
      value: promValue(asString(pair[1], "NaN")),
    };
  });
}

/** A PromQL string literal with Prometheus' escaping. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `name{label="value",...}` with every value escaped. */
export function promSelector(
  name: string,
  labels: Readonly<Record<string, string>> = {},
): string {
  const matchers = Object.entries(labels).map(([k, v]) =>
    `${k}=${promString(v)}`
  );
  return `${name}{${matchers.join(",")}}`;
}

/** The distinct values of `label` across samples, sorted. */
export function labelValues(
  samples: readonly PromSample[],
  label: string,
): string[] {
  const values = new Set<string>();
  for (const s of samples) {
    const v = s.metric[label];
    if (v !== undefined) values.add(v);
  }
  return [...values].sort();
}
