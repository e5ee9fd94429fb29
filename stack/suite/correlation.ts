/**
 * Correlation checks: a trace id read from a Loki record is found in Tempo
 * (log to trace), and Tempo's metrics generator's service-graph series for
 * the loadgen -> space-app edge reached Prometheus.
 *
 * @module
 */
import {
  ApiError,
  promSelector,
  serviceNames,
  traceIdsFromLogs,
} from "../checks.ts";
import { errorText } from "../http.ts";
import { type Session, TRACE_PROBES_PER_ATTEMPT } from "../session.ts";
import { serviceLogs } from "./loki.ts";

/** The service-graph series Tempo's metrics generator remote-writes. */
export const SERVICE_GRAPH_SERIES = "traces_service_graph_request_total";

/** Runs the correlation checks. */
export async function checkCorrelation(s: Session): Promise<void> {
  const { service, loadgen } = s.expect;
  await s.check(
    "Correlation: a trace id from Loki is found in Tempo",
    () =>
      s.retry(async () => {
        const entries = await s.lokiQuery(
          `${serviceLogs(service)} | trace_id != ""`,
        );
        const ids = traceIdsFromLogs(entries, TRACE_PROBES_PER_ATTEMPT);
        if (ids.length === 0) {
          throw new ApiError(`no ${service} log entry with a trace_id yet`);
        }
        let last = "";
        for (const id of ids) {
          try {
            const spans = await s.tempoTrace(id);
            if (spans.some((span) => span.serviceName === service)) {
              return `trace ${id} from a Loki record: ${spans.length} spans in Tempo (${
                serviceNames(spans).join(", ")
              })`;
            }
            last = `trace ${id} has no ${service} span`;
          } catch (error) {
            last = `trace ${id}: ${errorText(error)}`;
          }
        }
        throw new ApiError(`none of ${ids.length} trace ids found; ${last}`);
      }),
  );

  const selector = promSelector(SERVICE_GRAPH_SERIES, {
    client: loadgen,
    server: service,
  });
  await s.check(`Correlation: ${selector} in Prometheus`, async () => {
    const samples = await s.retry(async () => {
      const found = await s.promQuery(selector);
      if (found.length === 0) {
        throw new ApiError(
          "no series yet (Tempo's metrics generator remote-writes it)",
        );
      }
      return found;
    });
    const total = samples.reduce((sum, x) => sum + x.value, 0);
    return `${samples.length} series, ${total} requests counted`;
  });
}
