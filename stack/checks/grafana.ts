/**
 * Grafana HTTP API: `/api/health`, datasource health
 * (`/api/datasources/uid/<uid>/health`), dashboard search
 * (`/api/search?type=dash-db`) and provisioned alert rules
 * (`/api/v1/provisioning/alert-rules`).
 *
 * Shapes (Grafana `pkg/api`): health `{"database": "ok"|"failing",
 * "version"?, "commit"?}` (503 when failing); datasource health `{"status":
 * "OK"|"ERROR"|"UNKNOWN", "message", "details"?}` with 200 only for OK and
 * 400 otherwise; search hits `[{"uid", "title", "type": "dash-db",
 * "folderTitle"?, ...}]`; alert rules `[{"uid", "title", "ruleGroup",
 * "folderUID", "provenance", ...}]`; other errors `{"message": "..."}`.
 *
 * @module
 */
import {
  ApiError,
  asArray,
  asRecord,
  asString,
  excerpt,
  type HttpAnswer,
  parseJson,
} from "./common.ts";

/** Grafana's own health. */
export interface GrafanaHealth {
  readonly database: string;
  readonly version: string;
}

/** One datasource's health check result. */
export interface DatasourceHealth {
  /** `OK`, `ERROR` or `UNKNOWN`. */
  readonly status: string;
  readonly message: string;
}

/** A dashboard from the search API. */
export interface DashboardHit {
  readonly uid: string;
  readonly title: string;
  readonly folderTitle: string;
}

/** A provisioned alert rule. */
export interface AlertRule {
  readonly uid: string;
  readonly title: string;
  readonly ruleGroup: string;
  readonly folderUID: string;
}

function grafanaError(api: string, answer: HttpAnswer): ApiError {
  let detail = excerpt(answer.body);
  try {
    const message = asRecord(JSON.parse(answer.body))?.message;
    if (typeof message === "string") detail = message;
  } catch {
    // not JSON: keep the excerpt
  }
  return new ApiError(`${api}: ${answer.status}: ${detail}`);
}

/** `/api/health`; the answer's body is JSON whether healthy (200) or not (503). */
export function parseGrafanaHealth(answer: HttpAnswer): GrafanaHealth {
  const api = "Grafana /api/health";
  const json = asRecord(parseJson(api, answer));
  if (!json || typeof json.database !== "string") {
    throw grafanaError(api, answer);
  }
  return { database: json.database, version: asString(json.version) };
}

/**
 * A datasource health answer. A 400 with a `status` field is a health
 * result (the check ran and failed), not an API error.
 */
export function parseDatasourceHealth(answer: HttpAnswer): DatasourceHealth {
  const api = "Grafana datasource health";
  let json: Record<string, unknown> | undefined;
  try {
    json = asRecord(JSON.parse(answer.body));
  } catch {
    json = undefined;
  }
  if (
    (answer.status === 200 || answer.status === 400) &&
    typeof json?.status === "string"
  ) {
    return { status: json.status, message: asString(json.message) };
  }
  throw grafanaError(api, answer);
}

/** The dashboards of a `/api/search?type=dash-db` answer. */
export function parseDashboardSearch(answer: HttpAnswer): DashboardHit[] {
  const api = "Grafana /api/search";
  if (answer.status !== 200) throw grafanaError(api, answer);
  const json = parseJson(api, answer);
  if (!Array.isArray(json)) {
    throw new ApiError(`${api}: expected a list: ${excerpt(answer.body)}`);
  }
  return json.flatMap((item) => {
    const hit = asRecord(item);
    if (!hit || (hit.type !== undefined && hit.type !== "dash-db")) return [];
    return [{
      uid: asString(hit.uid),
      title: asString(hit.title),
      folderTitle: asString(hit.folderTitle),
    }];
  });
}

/** The rules of a `/api/v1/provisioning/alert-rules` answer. */
export function parseAlertRules(answer: HttpAnswer): AlertRule[] {
  const api = "Grafana /api/v1/provisioning/alert-rules";
  if (answer.status !== 200) throw grafanaError(api, answer);
  const json = parseJson(api, answer);
  if (!Array.isArray(json)) {
    throw new ApiError(`${api}: expected a list: ${excerpt(answer.body)}`);
  }
  return asArray(json).map((item) => {
    const rule = asRecord(item) ?? {};
    return {
      uid: asString(rule.uid),
      title: asString(rule.title),
      ruleGroup: asString(rule.ruleGroup),
      folderUID: asString(rule.folderUID),
    };
  });
}
