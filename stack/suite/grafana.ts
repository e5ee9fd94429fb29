/**
 * Grafana checks: its own health, each provisioned datasource's health
 * check, and the provisioned dashboards and alert rules, by uid.
 *
 * @module
 */
import {
  ApiError,
  missingFrom,
  parseAlertRules,
  parseDashboardSearch,
  parseDatasourceHealth,
  parseGrafanaHealth,
} from "../checks.ts";
import type { Provisioned, Session } from "../session.ts";

/** Runs the Grafana checks. */
export async function checkGrafana(s: Session): Promise<void> {
  const base = s.endpoints.grafana;
  const auth = { ...s.grafanaHeaders };
  await s.check("Grafana: /api/health", async () => {
    const health = await s.retry(async () => {
      const h = parseGrafanaHealth(await s.get(`${base}/api/health`));
      if (h.database !== "ok") {
        throw new ApiError(`database is "${h.database}"`);
      }
      return h;
    });
    return `database ok, version ${health.version || "(hidden)"}`;
  });

  for (const uid of s.expect.datasources) {
    await s.check(`Grafana: datasource ${uid} health`, async () => {
      const health = await s.retry(async () => {
        const url = `${base}/api/datasources/uid/${
          encodeURIComponent(uid)
        }/health`;
        const h = parseDatasourceHealth(await s.get(url, auth));
        if (h.status !== "OK") {
          throw new ApiError(`status ${h.status}: ${h.message}`);
        }
        return h;
      });
      return `OK: ${health.message}`;
    });
  }

  const provisioned = async (
    what: string,
    one: string,
    wanted: readonly Provisioned[],
    load: () => Promise<{ uid: string; title: string }[]>,
  ) => {
    await s.check(`Grafana: provisioned ${what}`, async () => {
      const uids = wanted.map((w) => w.uid);
      if (uids.length === 0) {
        throw new ApiError(
          `no ${one} found in deploy/ to look for (is Grafana provisioning generated?)`,
        );
      }
      const found = await s.retry(async () => {
        const all = await load();
        const missing = missingFrom(uids, all.map((x) => x.uid));
        if (missing.length > 0) {
          throw new ApiError(`missing ${one} uids ${JSON.stringify(missing)}`);
        }
        return all;
      });
      const titles = found.filter((x) => uids.includes(x.uid)).map((x) =>
        x.title
      );
      return `${uids.length} of ${uids.length}: ${titles.join(", ")}`;
    });
  };
  await provisioned(
    "dashboards",
    "dashboard",
    s.expect.dashboards,
    async () =>
      parseDashboardSearch(
        await s.get(`${base}/api/search?type=dash-db&limit=5000`, auth),
      ),
  );
  await provisioned(
    "alert rules",
    "alert rule",
    s.expect.alertRules,
    async () =>
      parseAlertRules(
        await s.get(`${base}/api/v1/provisioning/alert-rules`, auth),
      ),
  );
}
