/**
 * Every query the Grafana provisioning runs, found by walking the
 * generated documents: dashboard targets (PromQL, LogQL, TraceQL),
 * dashboard variables, alert rule queries and the Tempo datasource's
 * trace-to-metrics queries. The unit tests check their series names; the
 * stack test runs each one against the real backends.
 *
 * @module
 */
import { DATASOURCE } from "./uids.ts";

/** One query and where it is used. */
export interface Expression {
  /** Dashboard and panel, variable, alert or datasource it belongs to. */
  readonly where: string;
  readonly language: "promql" | "logql" | "traceql";
  readonly expr: string;
  /** From an alert rule: evaluated instantly, may rightly return nothing. */
  readonly alert?: boolean;
  /** A dashboard variable's query: `$name` takes the values of `label`. */
  readonly variable?: { readonly name: string; readonly label: string };
}

type Obj = Record<string, unknown>;

/** The generated Grafana documents, as data. */
export interface Provisioning {
  readonly datasources: Obj;
  readonly alerting: Obj;
  readonly dashboards: readonly { readonly dashboard: Obj }[];
}

const LANGUAGE: Readonly<Record<string, Expression["language"]>> = {
  [DATASOURCE.prometheus]: "promql",
  [DATASOURCE.loki]: "logql",
  [DATASOURCE.tempo]: "traceql",
};

/** Every query of the provisioning documents. */
export function expressions(p: Provisioning): Expression[] {
  const out: Expression[] = [];
  for (const { dashboard } of p.dashboards) {
    const title = String(dashboard.title);
    for (const panel of dashboard.panels as Obj[]) {
      for (const t of (panel.targets as Obj[] | undefined) ?? []) {
        const uid = String((t.datasource as Obj).uid);
        const expr = t.expr ?? (t.queryType === "traceql" ? t.query : "");
        if (!expr) continue; // the service map reads Prometheus itself
        out.push({
          where: `${title} / ${panel.title}`,
          language: LANGUAGE[uid],
          expr: String(expr),
        });
      }
    }
    for (const v of ((dashboard.templating as Obj).list as Obj[])) {
      // label_values(<selector>, <label>): the selector is PromQL.
      const selector = /^label_values\((.*),\s*(\w+)\)$/.exec(
        String(v.definition),
      );
      if (!selector) throw new Error(`${title}: variable ${v.name}`);
      out.push({
        where: `${title} / variable ${v.name}`,
        language: "promql",
        expr: selector[1],
        variable: { name: String(v.name), label: selector[2] },
      });
    }
  }
  for (const group of p.alerting.groups as Obj[]) {
    for (const rule of group.rules as Obj[]) {
      for (const item of rule.data as Obj[]) {
        const model = item.model as Obj;
        if (!model.expr) continue;
        out.push({
          where: `alert ${rule.title}`,
          language: "promql",
          expr: String(model.expr),
          alert: true,
        });
      }
    }
  }
  const tempo = (p.datasources.datasources as Obj[]).find((d) =>
    d.uid === DATASOURCE.tempo
  )!;
  const toMetrics = (tempo.jsonData as Obj).tracesToMetrics as Obj;
  for (const q of toMetrics.queries as Obj[]) {
    out.push({
      where: `Tempo trace to metrics / ${q.name}`,
      language: "promql",
      expr: String(q.query),
    });
  }
  return out;
}

/** Values Grafana substitutes for its built-in variables when it runs a query. */
export const BUILT_IN_VARIABLES: Readonly<Record<string, string>> = {
  "$__rate_interval": "1m",
  "$__interval": "30s",
  "$__auto": "1m",
};
