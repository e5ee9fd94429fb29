/**
 * Every query the Grafana provisioning runs, found in the generated
 * documents, for the tests to check and run.
 * @module
 */
import { DATASOURCE } from "./uids.ts";

export interface Expression {
  /** Dashboard and panel, variable, alert or datasource. */
  readonly where: string;
  readonly language: "promql" | "logql" | "traceql";
  readonly expr: string;
  /** From an alert rule: evaluated instantly, may rightly return nothing. */
  readonly alert?: boolean;
  /** A dashboard variable's query: `$name` takes the values of `label`. */
  readonly variable?: { readonly name: string; readonly label: string };
}

type Obj = Record<string, unknown>;

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

const list = (value: unknown) => (value ?? []) as Obj[];

export function expressions(p: Provisioning): Expression[] {
  const out: Expression[] = [];
  const add = (
    where: string,
    expr: unknown,
    more: Partial<Expression> = {},
  ) => out.push({ where, language: "promql", expr: String(expr), ...more });
  for (const { dashboard } of p.dashboards) {
    const title = String(dashboard.title);
    for (const panel of list(dashboard.panels)) {
      for (const t of list(panel.targets)) {
        const expr = t.expr ?? (t.queryType === "traceql" ? t.query : "");
        if (!expr) continue; // the service map reads Prometheus itself
        const language = LANGUAGE[String((t.datasource as Obj).uid)];
        add(`${title} / ${panel.title}`, expr, { language });
      }
    }
    for (const v of list((dashboard.templating as Obj).list)) {
      // label_values(<selector>, <label>): the selector is PromQL.
      const m = /^label_values\((.*),\s*(\w+)\)$/.exec(String(v.definition));
      if (!m) throw new Error(`${title}: variable ${v.name}`);
      add(`${title} / variable ${v.name}`, m[1], {
        variable: { name: String(v.name), label: m[2] },
      });
    }
  }
  for (const rule of list(p.alerting.groups).flatMap((g) => list(g.rules))) {
    for (const { model } of list(rule.data) as { model: Obj }[]) {
      if (model.expr) {
        add(`alert ${rule.title}`, model.expr, { alert: true });
      }
    }
  }
  const tempo = list(p.datasources.datasources)
    .find((d) => d.uid === DATASOURCE.tempo)!;
  const toMetrics = (tempo.jsonData as Obj).tracesToMetrics as Obj;
  for (const q of list(toMetrics.queries)) {
    add(`Tempo trace to metrics / ${q.name}`, q.query);
  }
  return out;
}

/** Values Grafana substitutes for its built-in variables when it runs a query. */
export const BUILT_IN_VARIABLES: Readonly<Record<string, string>> = {
  "$__rate_interval": "1m",
  "$__interval": "30s",
  "$__auto": "1m",
};
