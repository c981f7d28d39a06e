// Every panel of the Grafana dashboard, evaluated by a real Prometheus (Debian's package) that scraped a real
// replay: `oneflow replay` of the fixture bag with the fixture one-step model, paced at bag time, serving /metrics.
// Prometheus runs on loopback with prometheus/prometheus.yml (target and intervals rewritten for the test) and the
// alerting rules; each panel query goes through /api/v1/query_range and must return at least one finite value.
//
// Run by `make test-prometheus` (test/grafana/prometheus.sh installs Prometheus with apt-get when it is missing and
// sets ONEFLOW_PROMETHEUS_TEST=1). Under plain `npm test` it is skipped with a message.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dashboardQueries, substitute } from './dashboardQueries.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BAG = join(ROOT, 'test/fixtures/bags/pusht_ep205'); // 4.8 s at 10 Hz
const MODEL = join(ROOT, 'test/fixtures/models/tiny_onestep.onnx');
const SCRAPE = '500ms';
const ENABLED = process.env.ONEFLOW_PROMETHEUS_TEST === '1';
/** Exported only by the live node (`oneflow run`, checked in test/ros/run.test.ts), not by a replay: their queries
 * must evaluate without error here but may return nothing. */
const LIVE_ONLY_METRICS = ['oneflow_tick_lateness_seconds'];

if (!ENABLED) {
  process.stderr.write('dashboard.live.test: skipped here; `make test-prometheus` (part of `make test`) runs it against a real Prometheus\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(url: string, timeoutMs: number, child: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`prometheus not ready at ${url} after ${timeoutMs} ms:\n${log()}`);
}

/** Waits until Prometheus reports a completed scrape attempt of the (not yet listening) target. */
async function waitFirstScrape(base: string, timeoutMs: number, log: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const body = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data?: { activeTargets?: { lastScrape?: string }[] } };
    const last = body.data?.activeTargets?.[0]?.lastScrape;
    if (last !== undefined && !last.startsWith('0001-')) return;
    await sleep(100);
  }
  throw new Error(`prometheus made no scrape attempt within ${timeoutMs} ms:\n${log()}`);
}

/** Runs a command without blocking the event loop (Prometheus' output pipes keep draining). */
function run(cmd: string, args: string[], timeoutMs: number): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

type RangeResult = { metric: Record<string, string>; values: [number, string][] };

async function queryRange(base: string, query: string, startSec: number, endSec: number): Promise<RangeResult[]> {
  const params = new URLSearchParams({ query, start: String(startSec), end: String(endSec), step: '0.5' });
  const res = await fetch(`${base}/api/v1/query_range?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: RangeResult[] } };
  assert.equal(body.status, 'success', `${query}: ${body.error ?? res.status}`);
  return body.data!.result;
}

/** prometheus/prometheus.yml with the test's target and intervals; every rewrite must apply. */
function testConfig(metricsPort: number): string {
  let text = readFileSync(join(ROOT, 'prometheus/prometheus.yml'), 'utf8');
  const rewrites: [RegExp, string][] = [
    [/targets: \['localhost:\d+'\]/, `targets: ['127.0.0.1:${metricsPort}']`],
    [/scrape_interval: \S+/, `scrape_interval: ${SCRAPE}`],
    [/scrape_timeout: \S+/, 'scrape_timeout: 400ms'],
    [/evaluation_interval: \S+/, `evaluation_interval: ${SCRAPE}`],
    [/- oneflow\.rules\.yml/, `- ${join(ROOT, 'prometheus/oneflow.rules.yml')}`],
  ];
  for (const [re, by] of rewrites) {
    assert.match(text, re, `prometheus/prometheus.yml no longer has ${re}`);
    text = text.replace(re, by);
  }
  return text;
}

test('every dashboard panel returns data from Prometheus scraping a replay', { skip: !ENABLED, timeout: 120_000 }, async () => {
  for (const args of [
    ['check', 'config', join(ROOT, 'prometheus/prometheus.yml')],
    ['check', 'rules', join(ROOT, 'prometheus/oneflow.rules.yml')],
  ]) {
    const r = spawnSync('promtool', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'oneflow-prom-'));
  const metricsPort = await freePort();
  let promPort = await freePort();
  while (promPort === metricsPort) promPort = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), testConfig(metricsPort));
  let promLog = '';
  const prom = spawn('bash', [join(ROOT, 'test/grafana/prometheus.sh'), 'start', join(dir, 'prometheus.yml'), join(dir, 'data'), String(promPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prom.stdout.on('data', (b: Buffer) => (promLog += b.toString()));
  prom.stderr.on('data', (b: Buffer) => (promLog += b.toString()));
  const base = `http://127.0.0.1:${promPort}`;
  try {
    await waitReady(`${base}/-/ready`, 30_000, prom, () => promLog);
    // "Ready" comes before the scrape loop's first attempt (offset by up to one interval); a replay started before
    // that loses its first seconds and can leave too few samples for rate(). Wait for one (failed) scrape first.
    await waitFirstScrape(base, 15_000, () => promLog);

    // The replay, paced at half bag time (~9.4 s) so Prometheus scrapes it ~18 times.
    const startSec = Date.now() / 1000;
    const replay = await run(
      process.execPath,
      [
        join(ROOT, 'dist/src/cli.js'),
        'replay',
        BAG,
        '--model',
        MODEL,
        '--rate',
        '0.5',
        '--metrics-port',
        String(metricsPort),
        '--json',
        '--out',
        join(dir, 'out'),
      ],
      60_000,
    );
    assert.equal(replay.status, 0, `oneflow replay failed:\n${replay.stderr}`);
    await sleep(1000); // the last scrape and rule evaluation
    const endSec = Date.now() / 1000;

    const up = await queryRange(base, 'max(up{job="oneflow"})', startSec, endSec);
    assert.ok(
      up[0]?.values.some(([, v]) => v === '1'),
      `Prometheus never scraped the replay: ${JSON.stringify(up)}\n${promLog}`,
    );
    const rangeSec = `${Math.ceil(endSec - startSec)}s`;
    const vars = { rateInterval: '2s', range: rangeSec, interval: SCRAPE, instance: '.+' };
    const empty: string[] = [];
    for (const q of dashboardQueries()) {
      const promql = substitute(q.expr, vars);
      const result = await queryRange(base, promql, startSec, endSec);
      const finite = result.some((s) => s.values.some(([, v]) => Number.isFinite(Number(v))));
      if (LIVE_ONLY_METRICS.some((m) => promql.includes(m))) continue;
      if (!finite) empty.push(`'${q.panel}' ${q.refId}: ${promql} → ${JSON.stringify(result).slice(0, 200)}`);
    }
    assert.deepEqual(empty, [], `panels without data:\n${empty.join('\n')}`);

    // The dashboard's `instance` variable: label_values(oneflow_ticks_total, instance).
    const labels = (await (await fetch(`${base}/api/v1/label/instance/values?match[]=oneflow_ticks_total`)).json()) as { data: string[] };
    assert.deepEqual(labels.data, [`127.0.0.1:${metricsPort}`]);
    // The alerting rules loaded and were evaluated without errors.
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.deepEqual(loaded.map((r) => r.name).sort(), ['OneFlowDeadlineMisses', 'OneFlowNodeDown', 'OneFlowWatchdogSafe']);
    for (const r of loaded) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => (prom.exitCode !== null ? r(null) : prom.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});
