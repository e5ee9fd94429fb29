/**
 * Builders for Grafana dashboard JSON: panels and their targets.
 * @module
 */
import { DATASOURCE, ref } from "./uids.ts";

export type Panel = Record<string, unknown>;
/** Width and height on the 24-column grid. */
type Size = readonly [w: number, h: number];

const { prometheus, tempo } = DATASOURCE;
const on = (uid: string, target: Panel) => ({
  datasource: ref(uid),
  ...target,
});
const RANGE = { range: true, instant: false };

/** A Prometheus target; `exemplar` asks for exemplars on the panel. */
export const prom = (expr: string, legend: string, exemplar = false) =>
  on(prometheus, { expr, legendFormat: legend, ...RANGE, exemplar });
export const loki = (expr: string, legend = "") =>
  on(DATASOURCE.loki, { expr, legendFormat: legend, queryType: "range" });
export const traceql = (query: string) =>
  on(tempo, { queryType: "traceql", query, limit: 20, tableType: "traces" });
export const serviceMap = () => on(tempo, { queryType: "serviceMap" });

/** A panel type: what every panel has, then the type's own `fields`. */
const kind =
  (type: string, fields: Panel = {}) =>
  (title: string, size: Size, targets: Panel[]): Panel => ({
    type,
    title,
    gridPos: size,
    datasource: targets[0].datasource,
    // Targets get refIds A, B, C...
    targets: targets.map((t, i) => ({ refId: "ABCDEF"[i], ...t })),
    ...fields,
  });

/** A panel type whose fields depend on the unit of its values. */
const measured =
  (type: string, fields: (unit: string) => Panel) =>
  (title: string, size: Size, unit: string, targets: Panel[]) =>
    kind(type, fields(unit))(title, size, targets);

/** A time series panel; `described` adds its description. */
export const timeseries = measured("timeseries", (unit) => ({
  description: "",
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
}));

export const stat = measured("stat", (unit) => ({
  fieldConfig: { defaults: { unit }, overrides: [] },
  options: {
    reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
    colorMode: "value",
    graphMode: "area",
  },
}));

export const logs = kind("logs", {
  options: {
    showTime: true,
    wrapLogMessage: true,
    enableLogDetails: true,
    sortOrder: "Descending",
    dedupStrategy: "none",
  },
});

export const table = kind("table", {
  fieldConfig: { defaults: {}, overrides: [] },
  options: { showHeader: true },
});

export const nodeGraph = kind("nodeGraph");

export const described = (panel: Panel, description: string) => ({
  ...panel,
  description,
});

export const row = (title: string): Panel => ({
  type: "row",
  title,
  collapsed: false,
  gridPos: [24, 1],
  panels: [],
});

/**
 * A dashboard and the file it is provisioned from; panels are numbered and
 * placed left to right, line by line.
 */
export function dashboard(
  fileName: string,
  uid: string,
  title: string,
  description: string,
  panels: Panel[],
  templating: Panel[] = [],
) {
  let x = 0;
  let y = 0;
  const placed = panels.map((p, i) => {
    const [w, h] = p.gridPos as Size;
    const gridPos = { x, y, w, h };
    x += w;
    if (x >= 24) [x, y] = [0, y + h];
    return { id: i + 1, ...p, gridPos };
  });
  return {
    fileName,
    uid,
    dashboard: {
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
      panels: placed,
    },
  };
}
