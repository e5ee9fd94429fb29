/**
 * Stable identifiers shared by datasources, dashboards, alert rules and
 * the tests that check they point at each other.
 *
 * @module
 */

/** Datasource uids, referenced by dashboards and alert rules. */
export const DATASOURCE = {
  prometheus: "prometheus",
  tempo: "tempo",
  loki: "loki",
} as const;

/** Grafana's expression pseudo-datasource, for alert conditions. */
export const EXPRESSION = "__expr__";

/** A datasource reference in a dashboard or query model. */
export function ref(
  uid: string,
): { type: string; uid: string } {
  const type = uid === DATASOURCE.prometheus
    ? "prometheus"
    : uid === DATASOURCE.tempo
    ? "tempo"
    : uid === DATASOURCE.loki
    ? "loki"
    : EXPRESSION;
  return { type, uid };
}

/** Grafana expands `$VAR` in provisioning files: a literal `$` is `$$`. */
export function escapeProvisioning(text: string): string {
  // A function replacement: in a replacement string "$$" means one "$".
  return text.replaceAll("$", () => "$$");
}
