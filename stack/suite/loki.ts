/**
 * Loki check: space-app's log records are found by `service_name`.
 *
 * @module
 */
import { ApiError, excerpt, logqlString, traceIdsFromLogs } from "../checks.ts";
import type { Session } from "../session.ts";

/** LogQL: the stream selector of a service's OTLP logs. */
export function serviceLogs(service: string): string {
  return `{service_name=${logqlString(service)}}`;
}

/** Runs the Loki check. */
export async function checkLoki(s: Session): Promise<void> {
  const query = serviceLogs(s.expect.service);
  await s.check(`Loki: logs of ${query}`, async () => {
    const entries = await s.retry(async () => {
      const found = await s.lokiQuery(query);
      if (found.length === 0) throw new ApiError("no entries yet");
      return found;
    });
    const withTrace = traceIdsFromLogs(entries, Infinity).length;
    return `${entries.length} entries (newest: ${
      excerpt(entries[0].line, 80)
    }); ${withTrace} distinct trace ids`;
  });
}
