/**
 * Tempo checks: traces of space-app are searchable, and a trace that starts
 * in loadgen has a loadgen CLIENT span parenting a space-app SERVER span.
 *
 * @module
 */
import {
  ApiError,
  findCallLink,
  serviceNames,
  traceqlString,
} from "../checks.ts";
import { errorText } from "../http.ts";
import { type Session, TRACE_PROBES_PER_ATTEMPT } from "../session.ts";

/** TraceQL: spans of a service. */
export function serviceQuery(service: string): string {
  return `{ resource.service.name = ${traceqlString(service)} }`;
}

/** TraceQL: traces with spans of both services. */
export function bothQuery(client: string, server: string): string {
  return `${serviceQuery(client)} && ${serviceQuery(server)}`;
}

/** Runs the Tempo checks. */
export async function checkTempo(s: Session): Promise<void> {
  const { service, loadgen } = s.expect;
  const query = serviceQuery(service);
  await s.check(`Tempo: traces of ${service}`, async () => {
    const hits = await s.retry(async () => {
      const found = await s.tempoSearch(query);
      if (found.length === 0) {
        throw new ApiError(`no trace matches ${query} yet`);
      }
      return found;
    });
    const roots = new Map<string, number>();
    for (const h of hits) {
      roots.set(h.rootServiceName, (roots.get(h.rootServiceName) ?? 0) + 1);
    }
    return `${hits.length} traces; root services: ${
      [...roots].map(([r, n]) => `${r || "(not yet known)"}×${n}`).join(", ")
    }`;
  });

  const both = bothQuery(loadgen, service);
  await s.check(
    `Tempo: traces from ${loadgen} reach ${service}`,
    () =>
      s.retry(async () => {
        const hits = await s.tempoSearch(both, 20);
        if (hits.length === 0) {
          throw new ApiError(`no trace matches ${both} yet`);
        }
        let last = "";
        for (const hit of hits.slice(0, TRACE_PROBES_PER_ATTEMPT)) {
          try {
            const spans = await s.tempoTrace(hit.traceId);
            const link = findCallLink(spans, loadgen, service);
            if (link) {
              return `trace ${hit.traceId} (root ${
                hit.rootServiceName || "?"
              }): ${loadgen} CLIENT "${link.client.name}" is the parent of ${service} SERVER "${link.server.name}"`;
            }
            last = `trace ${hit.traceId} has services ${
              serviceNames(spans).join(", ")
            } but no ${loadgen} CLIENT span parenting a ${service} SERVER span`;
          } catch (error) {
            last = `trace ${hit.traceId}: ${errorText(error)}`;
          }
        }
        throw new ApiError(last);
      }),
  );
}
