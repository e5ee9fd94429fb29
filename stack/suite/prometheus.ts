/**
 * Prometheus checks: the request counter (with every exercised route) and
 * both duration histograms, under the names and `job` the collector's
 * translation gives them (computed by `telemetry/instruments.ts`).
 *
 * @module
 */
import {
  APP_REQUEST_DURATION,
  APP_REQUESTS,
  HTTP_SERVER_DURATION,
  prometheusJob,
  prometheusLabel,
  prometheusSeries,
} from "../../telemetry/instruments.ts";
import { ApiError, labelValues, missingFrom, promSelector } from "../checks.ts";
import { EXERCISE_ROUTES } from "../exercise.ts";
import type { Session } from "../session.ts";

/** Runs the Prometheus checks. */
export async function checkPrometheus(s: Session): Promise<void> {
  const job = prometheusJob(s.expect.service, s.expect.namespace);
  const routeLabel = prometheusLabel("route");
  const counter = prometheusSeries(APP_REQUESTS)[0];
  const routes = EXERCISE_ROUTES.map((r) =>
    new URL(r.path, "http://x").pathname
  );
  await s.check(`Prometheus: ${counter}{job="${job}"}`, async () => {
    const samples = await s.retry(async () => {
      const found = await s.promQuery(promSelector(counter, { job }));
      const seen = labelValues(found, routeLabel);
      const missing = missingFrom(routes, seen);
      if (missing.length > 0) {
        throw new ApiError(
          `${found.length} series, ${routeLabel} ${
            JSON.stringify(seen)
          }; missing ${JSON.stringify(missing)}`,
        );
      }
      return found;
    });
    return `${samples.length} series, ${routeLabel}: ${
      labelValues(samples, routeLabel).join(", ")
    }`;
  });

  for (const spec of [HTTP_SERVER_DURATION, APP_REQUEST_DURATION]) {
    const bucket = prometheusSeries(spec)[0];
    const selector = promSelector(bucket, { job });
    await s.check(`Prometheus: ${selector}`, async () => {
      const samples = await s.retry(async () => {
        const found = await s.promQuery(selector);
        if (found.length === 0) throw new ApiError(`no series ${selector} yet`);
        return found;
      });
      return `${samples.length} bucket series, ${
        labelValues(samples, "le").length
      } distinct le`;
    });
  }
}
