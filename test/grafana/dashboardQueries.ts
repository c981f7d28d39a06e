// Reads grafana/dashboards/oneflow.json: its panels, every PromQL query, the metric names they use, and Grafana's
// variable substitution for evaluating them outside Grafana.
import { readFileSync } from 'node:fs';

export type Target = { refId: string; expr: string; format?: string; datasource?: { uid?: string } };
export type Panel = {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { uid?: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets: Target[];
};
export type Dashboard = { uid: string; id: number | null; title: string; panels: Panel[]; templating: { list: { name: string; query: unknown }[] } };

export const DASHBOARD_PATH = new URL('../../../grafana/dashboards/oneflow.json', import.meta.url);

export function loadDashboard(): Dashboard {
  const dash = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
  for (const p of dash.panels) p.targets ??= [];
  return dash;
}

export type Query = { panel: string; refId: string; expr: string; format: string };

export function dashboardQueries(dash: Dashboard = loadDashboard()): Query[] {
  return dash.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr, format: t.format ?? 'time_series' })));
}

/** Metric names the queries read (histogram _bucket/_sum/_count reduced to the histogram's name). */
export function metricNames(dash: Dashboard = loadDashboard()): Set<string> {
  const names = new Set<string>();
  for (const q of dashboardQueries(dash)) {
    for (const m of q.expr.matchAll(/\b((?:oneflow|nodejs)_[a-z0-9_]+)\b/g)) names.add(m[1]!.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}

/** Grafana's variables → concrete PromQL (what Grafana sends to Prometheus). */
export function substitute(expr: string, vars: { rateInterval: string; range: string; interval: string; instance: string }): string {
  return expr
    .replaceAll('$__rate_interval', vars.rateInterval)
    .replaceAll('$__range', vars.range)
    .replaceAll('$__interval', vars.interval)
    .replaceAll('$instance', vars.instance);
}
