/**
 * Small builders for Grafana dashboard JSON: panels laid out on the
 * 24-column grid, Prometheus, Loki and Tempo targets. Plain data only.
 *
 * @module
 */
import { DATASOURCE, ref } from "./uids.ts";

/** A panel as Grafana stores it. */
export type Panel = Record<string, unknown>;

/** Position on the grid. */
export interface Grid {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A Prometheus target; `exemplar` asks for exemplars on the panel. */
export function prom(
  refId: string,
  expr: string,
  legend: string,
  exemplar = false,
): Record<string, unknown> {
  return {
    refId,
    datasource: ref(DATASOURCE.prometheus),
    expr,
    legendFormat: legend,
    range: true,
    instant: false,
    exemplar,
  };
}

/** A Loki target. */
export function loki(
  refId: string,
  expr: string,
  legend = "",
): Record<string, unknown> {
  return {
    refId,
    datasource: ref(DATASOURCE.loki),
    expr,
    legendFormat: legend,
    queryType: "range",
  };
}

/** A Tempo TraceQL search target. */
export function traceql(
  refId: string,
  query: string,
  limit = 20,
): Record<string, unknown> {
  return {
    refId,
    datasource: ref(DATASOURCE.tempo),
    queryType: "traceql",
    query,
    limit,
    tableType: "traces",
  };
}

/** A Tempo service-map target. */
export function serviceMap(refId: string): Record<string, unknown> {
  return {
    refId,
    datasource: ref(DATASOURCE.tempo),
    queryType: "serviceMap",
  };
}

/** What every panel has. */
function base(
  id: number,
  type: string,
  title: string,
  grid: Grid,
  targets: Record<string, unknown>[],
): Panel {
  return {
    id,
    type,
    title,
    gridPos: grid,
    datasource: targets[0].datasource,
    targets,
  };
}

/** A time series panel. */
export function timeseries(
  id: number,
  title: string,
  grid: Grid,
  unit: string,
  targets: Record<string, unknown>[],
  description = "",
): Panel {
  return {
    ...base(id, "timeseries", title, grid, targets),
    description,
    fieldConfig: {
      defaults: {
        unit,
        custom: { drawStyle: "line", lineWidth: 1, fillOpacity: 10 },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: "list", placement: "bottom", showLegend: true },
      tooltip: { mode: "multi", sort: "desc" },
    },
  };
}

/** A single-value panel. */
export function stat(
  id: number,
  title: string,
  grid: Grid,
  unit: string,
  targets: Record<string, unknown>[],
): Panel {
  return {
    ...base(id, "stat", title, grid, targets),
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: {
      reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
      colorMode: "value",
      graphMode: "area",
    },
  };
}

/** A logs panel. */
export function logs(
  id: number,
  title: string,
  grid: Grid,
  targets: Record<string, unknown>[],
): Panel {
  return {
    ...base(id, "logs", title, grid, targets),
    options: {
      showTime: true,
      wrapLogMessage: true,
      enableLogDetails: true,
      sortOrder: "Descending",
      dedupStrategy: "none",
    },
  };
}

/** A table panel (trace search results). */
export function table(
  id: number,
  title: string,
  grid: Grid,
  targets: Record<string, unknown>[],
): Panel {
  return {
    ...base(id, "table", title, grid, targets),
    fieldConfig: { defaults: {}, overrides: [] },
    options: { showHeader: true },
  };
}

/** A node graph panel (service map). */
export function nodeGraph(
  id: number,
  title: string,
  grid: Grid,
  targets: Record<string, unknown>[],
): Panel {
  return {
    ...base(id, "nodeGraph", title, grid, targets),
  };
}

/** A collapsed-by-default-off row header. */
export function row(id: number, title: string, y: number): Panel {
  return {
    id,
    type: "row",
    title,
    collapsed: false,
    gridPos: { x: 0, y, w: 24, h: 1 },
    panels: [],
  };
}

/** A whole dashboard. */
export function dashboard(
  uid: string,
  title: string,
  description: string,
  panels: Panel[],
  templating: Record<string, unknown>[] = [],
): Record<string, unknown> {
  return {
    uid,
    title,
    description,
    tags: ["space-app", "generated"],
    timezone: "browser",
    editable: false,
    graphTooltip: 1,
    refresh: "30s",
    schemaVersion: 41,
    version: 1,
    time: { from: "now-1h", to: "now" },
    templating: { list: templating },
    annotations: { list: [] },
    links: [],
    panels,
  };
}
