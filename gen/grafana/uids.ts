/**
 * Identifiers shared by datasources, dashboards and alert rules.
 * @module
 */

/** Datasource uids, which are also their types. */
export const DATASOURCE = {
  prometheus: "prometheus",
  tempo: "tempo",
  loki: "loki",
} as const;

/** Grafana's expression pseudo-datasource, for alert conditions. */
export const EXPRESSION = "__expr__";

/** A datasource reference in a dashboard or query model. */
export const ref = (uid: string) => ({
  type: Object.values<string>(DATASOURCE).includes(uid) ? uid : EXPRESSION,
  uid,
});

/** Grafana expands `$VAR` in provisioning files: a literal `$` is `$$`. */
export function escapeProvisioning(text: string): string {
  // A function replacement: in a replacement string "$$" means one "$".
  return text.replaceAll("$", () => "$$");
}
