import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/validateConfig.js';
import { createNode } from '../../../src/node/createNode.js';
import { FakePolicy, testPolicySpec } from '../../../src/policy/fakePolicy.js';
import { handleRequest } from '../../../src/telemetry/httpServer.js';
import { LogThrottle } from '../../../src/telemetry/logThrottle.js';
import { pinoLogger } from '../../../src/telemetry/pinoLogger.js';
import { LATENCY_BUCKETS_SEC, PromMetrics } from '../../../src/telemetry/promMetrics.js';
import { jointState, MS, pose } from '../helpers.js';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Minimal Prometheus text-format parser (exposition 0.0.4): enough to read our samples back. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]!] = lm[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const find = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));

test('metrics exposition parses back: design §4 names, base units, 50 µs…1 s buckets, counts match the ticks', async () => {
  const metrics = new PromMetrics({ model: { name: 'test_policy', method: 'fixture', modelId: '0123456789abcdef', executionMode: 'receding_horizon' } });
  const node = createNode({
    config: validateConfig({ modelPath: 'x.onnx', recoveryTicks: 1 }),
    policy: new FakePolicy(testPolicySpec(), { latencySec: () => 0.0003 }),
    metrics,
  });
  for (let i = 0; i < 5; i++) {
    const t = BigInt(i) * 100n * MS;
    node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(t, ['agent_x', 'agent_y'], [1, 2]), t);
    node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 3, 4, 0), t);
    await node.tick(t + 2n * MS);
  }
  node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(1000n * MS, NaN, 4, 0), 0n);
  await node.tick(2000n * MS); // stale input and the last chunk's rows (≤ 1.9 s) are all due → SAFE
  const res = await handleRequest('GET', '/metrics', metrics.registry, { healthy: () => ({ ok: true, detail: '' }), ready: () => ({ ok: true, detail: '' }) });
  assert.equal(res.status, 200);
  assert.match(res.contentType, /text\/plain; version=0\.0\.4/);
  const { samples, types } = parseExposition(res.body);
  assert.equal(types.get('oneflow_inference_duration_seconds'), 'histogram');
  assert.equal(types.get('oneflow_tick_duration_seconds'), 'histogram');
  assert.equal(types.get('oneflow_control_period_seconds'), 'histogram');
  assert.equal(types.get('oneflow_ticks_total'), 'counter');
  assert.equal(types.get('oneflow_watchdog_state'), 'gauge');
  assert.equal(types.get('oneflow_observation_age_seconds'), 'gauge');
  const les = find(samples, 'oneflow_inference_duration_seconds_bucket').map((s) => s.labels['le']);
  assert.deepEqual(les, [...LATENCY_BUCKETS_SEC.map(String), '+Inf']);
  assert.equal(les[0], '0.00005');
  assert.equal(find(samples, 'oneflow_inference_duration_seconds_count')[0]!.value, 5);
  assert.ok(Math.abs(find(samples, 'oneflow_inference_duration_seconds_sum')[0]!.value - 5 * 0.0003) < 1e-12);
  assert.equal(find(samples, 'oneflow_inference_duration_seconds_bucket', { le: '0.0002' })[0]!.value, 0);
  assert.equal(find(samples, 'oneflow_inference_duration_seconds_bucket', { le: '0.0005' })[0]!.value, 5);
  assert.equal(find(samples, 'oneflow_tick_duration_seconds_count')[0]!.value, 6);
  assert.equal(find(samples, 'oneflow_control_period_seconds_count')[0]!.value, 5);
  assert.equal(find(samples, 'oneflow_control_period_seconds_bucket', { le: '0.1' })[0]!.value, 4);
  assert.equal(find(samples, 'oneflow_ticks_total', { outcome: 'ok' })[0]!.value, 5);
  assert.equal(find(samples, 'oneflow_ticks_total', { outcome: 'stale_input' })[0]!.value, 1);
  assert.equal(find(samples, 'oneflow_ticks_total', { outcome: 'deadline_miss' })[0]!.value, 0); // present from start
  assert.equal(find(samples, 'oneflow_watchdog_state')[0]!.value, 2);
  assert.equal(find(samples, 'oneflow_watchdog_transitions_total', { from: 'SAFE', to: 'RUNNING' })[0]!.value, 1);
  assert.equal(find(samples, 'oneflow_watchdog_transitions_total', { from: 'RUNNING', to: 'SAFE' })[0]!.value, 1);
  assert.equal(find(samples, 'oneflow_messages_total', { source: 'joint_states' })[0]!.value, 5);
  assert.equal(find(samples, 'oneflow_messages_rejected_total', { source: 'object_pose', reason: 'non_finite' })[0]!.value, 1);
  assert.ok(Math.abs(find(samples, 'oneflow_observation_age_seconds', { source: 'object_pose' })[0]!.value - 1.6) < 1e-9);
  assert.equal(find(samples, 'oneflow_model_info', { name: 'test_policy', model_id: '0123456789abcdef' })[0]!.value, 1);
  assert.equal(find(samples, 'oneflow_chunks_published_total', { fallback: 'false' })[0]!.value, 5);
  assert.equal(find(samples, 'oneflow_chunks_published_total', { fallback: 'true' })[0]!.value, 1);
  assert.ok(find(samples, 'nodejs_eventloop_lag_seconds').length === 1);
  assert.ok(samples.filter((s) => s.name.startsWith('oneflow_')).every((s) => !/_ms$|_milliseconds/.test(s.name)));
});

test('/healthz, /readyz answer 200 or 503 with the detail; unknown paths 404; non-GET 405', async () => {
  const metrics = new PromMetrics({ defaultMetrics: false });
  const health = { healthy: () => ({ ok: true, detail: 'last tick 0.01 s ago' }), ready: () => ({ ok: false, detail: 'watchdog SAFE' }) };
  const h = await handleRequest('GET', '/healthz', metrics.registry, health);
  assert.deepEqual([h.status, h.body], [200, 'ok: last tick 0.01 s ago\n']);
  const r = await handleRequest('GET', '/readyz?verbose', metrics.registry, health);
  assert.deepEqual([r.status, r.body], [503, 'not ok: watchdog SAFE\n']);
  assert.equal((await handleRequest('GET', '/nope', metrics.registry, health)).status, 404);
  assert.equal((await handleRequest('POST', '/metrics', metrics.registry, health)).status, 405);
});

test('pino logs are JSON lines with the numbers as fields; LogThrottle admits one per key per interval', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = pinoLogger('info', sink as never);
  log.warn({ ageSec: 0.61, limitSec: 0.5, source: 'camera' }, 'tick not ok');
  log.debug({ x: 1 }, 'hidden at info');
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual([rec['level'], rec['ageSec'], rec['limitSec'], rec['source'], rec['msg'], rec['name']], [40, 0.61, 0.5, 'camera', 'tick not ok', 'oneflow']);
  const t = new LogThrottle(1);
  assert.equal(t.admit('a', 0n), 0);
  assert.equal(t.admit('a', 500n * MS), null);
  assert.equal(t.admit('a', 900n * MS), null);
  assert.equal(t.admit('b', 900n * MS), 0);
  assert.equal(t.admit('a', 1000n * MS), 2); // two suppressed since the last record
});
