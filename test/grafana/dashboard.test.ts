// The Grafana dashboard, its provisioning and the Prometheus scrape config, checked as files (no server needed).
// The live check against a real Prometheus is dashboard.live.test.ts (`make test-prometheus`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { dashboardQueries, loadDashboard, metricNames, type Panel } from './dashboardQueries.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const yamlValue = (text: string, key: string) => new RegExp(`^\\s*${key}:\\s*([^#\\s]+)`, 'm').exec(text)?.[1];

test('dashboard JSON is provisionable: stable uid, no exported ${DS_...} inputs, the provisioned datasource uid', () => {
  const text = read('grafana/dashboards/oneflow.json');
  const dash = loadDashboard();
  assert.equal(dash.uid, 'oneflow-node');
  assert.equal(dash.id, null);
  assert.ok(!text.includes('${DS_') && !text.includes('__inputs'), 'exported-for-sharing inputs are not resolved by file provisioning');
  const dsUid = yamlValue(read('grafana/provisioning/datasources/oneflow.yml'), 'uid');
  assert.equal(dsUid, 'oneflow-prometheus');
  const panels = dash.panels.filter((p: Panel) => p.type !== 'row');
  assert.ok(panels.length >= 10, `${panels.length} panels`);
  for (const p of panels) {
    assert.equal(p.datasource?.uid, dsUid, `panel '${p.title}' datasource`);
    assert.ok((p.description ?? '').length > 10, `panel '${p.title}' explains itself`);
    assert.ok(p.targets.length > 0, `panel '${p.title}' has queries`);
    for (const t of p.targets) assert.equal(t.datasource?.uid, dsUid, `panel '${p.title}' ${t.refId} datasource`);
  }
  assert.equal(new Set(panels.map((p) => p.title)).size, panels.length, 'titles are unique');
  const provider = read('grafana/provisioning/dashboards/oneflow.yml');
  assert.match(provider, /path: \/var\/lib\/grafana\/dashboards\/oneflow/);
});

test('the committed dashboard JSON is what grafana/make_dashboard.py generates', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const python = existsSync(`${root}.venv/bin/python`) ? `${root}.venv/bin/python` : 'python3';
  const r = spawnSync(python, [`${root}grafana/make_dashboard.py`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, read('grafana/dashboards/oneflow.json'), 'regenerate: python3 grafana/make_dashboard.py > grafana/dashboards/oneflow.json');
});

test('panels tile a 24-column grid without overlapping', () => {
  const cells = new Set<string>();
  for (const p of loadDashboard().panels) {
    const { h, w, x, y } = p.gridPos;
    assert.ok(x >= 0 && w > 0 && x + w <= 24, `panel '${p.title}' fits 24 columns`);
    for (let i = x; i < x + w; i++) {
      for (let j = y; j < y + h; j++) {
        const key = `${i},${j}`;
        assert.ok(!cells.has(key), `panel '${p.title}' overlaps at ${key}`);
        cells.add(key);
      }
    }
  }
});

test('the dashboard covers what issue 8 asks for', () => {
  const exprs = dashboardQueries()
    .map((q) => q.expr)
    .join('\n');
  const must: [string, RegExp][] = [
    ['inference latency quantiles', /histogram_quantile\(0\.99, sum by \(le\) \(rate\(oneflow_inference_duration_seconds_bucket/],
    ['tick latency quantiles', /histogram_quantile\(0\.99, sum by \(le\) \(rate\(oneflow_tick_duration_seconds_bucket/],
    ['outcome rates', /sum by \(outcome\) \(rate\(oneflow_ticks_total/],
    ['deadline misses', /oneflow_ticks_total\{outcome="deadline_miss"/],
    ['watchdog state', /oneflow_watchdog_state/],
    ['observation age per source', /max by \(source\) \(oneflow_observation_age_seconds/],
    ['control-period jitter', /oneflow_control_period_seconds_bucket/],
    ['event-loop lag', /nodejs_eventloop_lag_p99_seconds/],
  ];
  for (const [what, re] of must) assert.match(exprs, re, what);
  assert.deepEqual([...metricNames()].sort(), [
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_eventloop_lag_seconds',
    'oneflow_chunks_published_total',
    'oneflow_control_period_seconds',
    'oneflow_inference_duration_seconds',
    'oneflow_messages_rejected_total',
    'oneflow_messages_total',
    'oneflow_observation_age_seconds',
    'oneflow_tick_duration_seconds',
    'oneflow_tick_lateness_seconds',
    'oneflow_ticks_total',
    'oneflow_watchdog_state',
    'oneflow_watchdog_transitions_total',
  ]);
});

test('grafana/docker-compose.yml mounts what exists where Prometheus and Grafana read it', () => {
  const compose = read('grafana/docker-compose.yml');
  const mounts = [...compose.matchAll(/^\s+- (\.\.?\/[^:]+):([^:]+):ro$/gm)].map((m) => [m[1]!, m[2]!]);
  assert.deepEqual(mounts, [
    ['../prometheus', '/etc/prometheus'],
    ['./provisioning', '/etc/grafana/provisioning'],
    ['./dashboards', '/var/lib/grafana/dashboards/oneflow'],
  ]);
  for (const [host] of mounts) assert.ok(existsSync(new URL(`../../../grafana/${host}`, import.meta.url)), `${host} exists`);
  assert.match(compose, /--config\.file=\/etc\/prometheus\/prometheus\.yml/);
  assert.match(read('grafana/provisioning/dashboards/oneflow.yml'), /path: \/var\/lib\/grafana\/dashboards\/oneflow/);
});

test('scrape config, datasource and node defaults agree (port, interval)', () => {
  const prom = read('prometheus/prometheus.yml');
  const params = read('config/policy.params.yaml');
  const ds = read('grafana/provisioning/datasources/oneflow.yml');
  assert.match(prom, new RegExp(`targets: \\['localhost:${yamlValue(params, 'metrics_port')}'\\]`), 'scrape target = metrics_port of the params file');
  assert.equal(yamlValue(ds, 'timeInterval'), yamlValue(prom, 'scrape_interval'), "Grafana's timeInterval = scrape_interval");
  assert.match(prom, /rule_files:\s*\n\s*- oneflow\.rules\.yml/);
  assert.match(read('Dockerfile'), new RegExp(`EXPOSE ${yamlValue(params, 'metrics_port')}`));
});
