// The composed core with a fake policy and injected time: each outcome, each watchdog path, each execution mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/validateConfig.js';
import type { NodeConfigInput } from '../../../src/config/nodeConfig.js';
import type { ActionChunk, JointTrajectory } from '../../../src/msgs/types.js';
import { createNode } from '../../../src/node/createNode.js';
import { FakePolicy, testPolicySpec, type FakePolicyOptions } from '../../../src/policy/fakePolicy.js';
import { fillGaussianNoise, noiseIndexOfStamp } from '../../../src/policy/noise.js';
import { MemoryLogger } from '../../../src/telemetry/logger.js';
import { MemoryMetrics } from '../../../src/telemetry/memoryMetrics.js';
import { jointState, MS, pose } from '../helpers.js';

const J = ['agent_x', 'agent_y'];
const PERIOD = 100n * MS;

/** Action k = [100 + 10·call + k, 200 + k]: which call and which row a published value came from is visible. */
const act: FakePolicyOptions['act'] = (_input, action, call) => {
  for (let k = 0; k < 16; k++) {
    action[2 * k] = 100 + 10 * call + k;
    action[2 * k + 1] = 200 + k;
  }
};

function harness(config: Partial<NodeConfigInput> = {}, fake: FakePolicyOptions = {}) {
  const policy = new FakePolicy(testPolicySpec(), { act, ...fake });
  const metrics = new MemoryMetrics();
  const logger = new MemoryLogger();
  const chunks: ActionChunk[] = [];
  const trajectories: JointTrajectory[] = [];
  const node = createNode({
    config: validateConfig({ modelPath: 'fake.onnx', recoveryTicks: 2, ...config }),
    policy,
    metrics,
    logger,
    sinks: { publishChunk: (m) => chunks.push(m), publishTrajectory: (m) => trajectories.push(m) },
  });
  /** Sensor samples at t (stamped exactly t), then a tick at t + lagMs. */
  const feed = (t: bigint, x = 50) => {
    node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(t, J, [x, x + 1]), t);
    node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 300, 301, 0.5), t);
  };
  return { node, policy, metrics, logger, chunks, trajectories, feed };
}

async function runTicks(h: ReturnType<typeof harness>, from: number, to: number, withObs = true) {
  const reports = [];
  for (let i = from; i < to; i++) {
    const t = BigInt(i) * PERIOD;
    if (withObs) h.feed(t);
    reports.push(await h.node.tick(t + 5n * MS));
  }
  return reports;
}

test('starts SAFE holding the measured position, earns RUNNING after recoveryTicks ok ticks', async () => {
  const h = harness();
  const [r0, r1, r2] = await runTicks(h, 0, 3);
  assert.deepEqual([r0!.outcome, r0!.state], ['ok', 'SAFE']);
  assert.equal(r0!.chunk!.fallback, true);
  assert.deepEqual([...r0!.chunk!.data], [50, 51]); // hold = measured agent_x, agent_y
  assert.equal(r0!.chunk!.watchdog_state, 2);
  assert.deepEqual([r1!.state, r1!.chunk!.fallback], ['RUNNING', false]);
  assert.equal(r2!.state, 'RUNNING');
  assert.equal(h.metrics.transitions.get('SAFE>RUNNING'), 1);
  assert.equal(h.node.ready, true);
  assert.ok(h.logger.records.some((r) => r.message === 'watchdog transition' && r.fields['to'] === 'RUNNING'));
});

test('receding horizon: stamp = t_obs, due steps dropped, first_step_offset accounts for them', async () => {
  const h = harness();
  const reports = await runTicks(h, 0, 3);
  const r = reports[2]!; // tick at 205 ms, observation at 200 ms, fake policy call 2
  const c = r.chunk!;
  assert.equal(r.observationNs, 200n * MS);
  assert.deepEqual(c.header.stamp, { sec: 0, nanosec: 200_000_000 });
  // action[0] at t_obs − dt and action[1] at t_obs are due (≤ 205 ms): 14 rows left, offset −1 + 2 = 1
  assert.deepEqual([c.first_step_offset, c.horizon, c.data.length], [1, 14, 28]);
  assert.deepEqual([c.data[0], c.data[1]], [100 + 10 * 2 + 2, 202]);
  assert.equal(c.dt_sec, 0.1);
  assert.equal(c.seq, 2n);
  assert.equal(c.model_id, '0123456789abcdef');
  assert.deepEqual(c.names, J);
  assert.equal(c.inference_time_sec, 0.001);
  const tr = r.trajectory!;
  assert.deepEqual(tr.header.stamp, c.header.stamp);
  assert.equal(tr.points.length, 14);
  assert.deepEqual(tr.points[0]!.time_from_start, { sec: 0, nanosec: 100_000_000 });
  assert.deepEqual([...tr.points[13]!.positions], [100 + 20 + 15, 215]);
  assert.equal(h.chunks.length, 3);
  assert.equal(h.trajectories.length, 3);
});

test('the policy sees the assembled state and the seeded noise of its observation stamp', async () => {
  const h = harness({ noiseSeed: 7 });
  await runTicks(h, 0, 2);
  const call = h.policy.calls[1]!;
  assert.deepEqual([...call.state], [50, 51, 300, 301, 0.5, 50, 51, 300, 301, 0.5]);
  const expected = new Float32Array(32);
  fillGaussianNoise(expected, 7, noiseIndexOfStamp(PERIOD)); // t_obs = 100 ms
  assert.deepEqual(call.noise, expected);
});

test('stale_input: RUNNING → DEGRADED publishing the tail, then SAFE holding the last command once the tail is due', async () => {
  const h = harness();
  await runTicks(h, 0, 3); // RUNNING; last fresh chunk from t_obs = 200 ms, rows up to 200 + 14·100 ms
  const reports = await runTicks(h, 3, 20, false); // no more observations
  const first = reports[0]!;
  assert.deepEqual([first.outcome, first.state, first.chunk!.fallback], ['ok', 'RUNNING', false]); // 305 ms: 200 ms obs still young
  const stale = reports.findIndex((r) => r.outcome === 'stale_input');
  assert.equal(reports[stale]!.tick, 7); // 705 ms: 505 ms old > 0.5 s
  assert.equal(reports[stale]!.state, 'DEGRADED');
  assert.equal(reports[stale]!.chunk!.fallback, true);
  assert.equal(reports[stale]!.chunk!.watchdog_state, 1);
  assert.equal(reports[stale]!.chunk!.inference_time_sec, 0);
  assert.match(reports[stale]!.detail, /old, limit 0.5 s/);
  // the tail shrinks by one row per tick and keeps the times of the chunk it came from
  const tails = reports.filter((r) => r.state === 'DEGRADED').map((r) => r.chunk!.horizon);
  assert.deepEqual(tails.slice(0, 3), [tails[0]!, tails[0]! - 1, tails[0]! - 2]);
  const safe = reports.find((r) => r.state === 'SAFE')!;
  assert.equal(safe.chunk!.horizon, 1);
  assert.equal(safe.chunk!.fallback, true);
  assert.equal(safe.chunk!.first_step_offset, 1);
  assert.deepEqual(safe.chunk!.header.stamp, { sec: safe.tick === 0 ? 0 : Number(safe.nowNs / 1_000_000_000n), nanosec: Number(safe.nowNs % 1_000_000_000n) });
  // hold = the row that was being commanded when SAFE began: the chunk's last row
  assert.deepEqual([...safe.chunk!.data], [100 + 10 * 6 + 15, 215]); // call 6 = last fresh (ticks 3–6 still ok)
  assert.equal(h.metrics.transitions.get('RUNNING>DEGRADED'), 1);
  assert.equal(h.metrics.transitions.get('DEGRADED>SAFE'), 1);
  assert.equal(h.node.ready, false);
  // observations return: N ok ticks holding, then RUNNING with fresh chunks
  const back = await runTicks(h, 20, 23);
  assert.deepEqual(
    back.map((r) => r.state),
    ['SAFE', 'RUNNING', 'RUNNING'],
  );
  assert.deepEqual(
    back.map((r) => r.chunk!.fallback),
    [true, false, false],
  );
});

test('deadline_miss (result later than the budget) keeps the tail; the budget shrinks by how late the tick starts', async () => {
  const h = harness({ controlRateHz: 10, deadlineSec: 0.05 }, { latencySec: (call) => (call === 3 ? 0.06 : 0.001) });
  const reports = await runTicks(h, 0, 5);
  assert.deepEqual(
    reports.map((r) => r.outcome),
    ['ok', 'ok', 'ok', 'deadline_miss', 'ok'],
  );
  assert.deepEqual(
    reports.map((r) => r.state),
    ['SAFE', 'RUNNING', 'RUNNING', 'DEGRADED', 'DEGRADED'],
  );
  assert.match(reports[3]!.detail, /no action within 0\.050000 s/);
  assert.equal(reports[3]!.chunk!.fallback, true);
  assert.equal(h.metrics.ticks.get('deadline_miss'), 1);
  // a clock that says the tick is already 60 ms late leaves no budget: miss without calling the policy
  const late = createNode({
    config: validateConfig({ modelPath: 'f.onnx', deadlineSec: 0.05 }),
    policy: h.policy,
    clock: { nowNs: () => 1_000n * MS + 60n * MS },
  });
  late.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(1_000n * MS, J, [1, 2]), 0n);
  late.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(1_000n * MS, 1, 2, 0), 0n);
  const calls = h.policy.calls.length;
  const r = await late.tick(1_000n * MS);
  assert.equal(r.outcome, 'deadline_miss');
  assert.match(r.detail, /after its deadline/);
  assert.equal(h.policy.calls.length, calls + 1 - 1);
});

test('invalid_output: NaN, Inf and out-of-bounds chunks are refused; error: runtime errors and throwing policies', async () => {
  const bad = [NaN, Infinity, 600, -1];
  const h = harness(
    {},
    {
      act: (_i, action, call) => {
        action.fill(100);
        if (call >= 2 && call < 6) action[5] = bad[call - 2]!;
        if (call === 7) throw new Error('boom');
      },
      failWith: (call) => (call === 6 ? 'onnxruntime: out of memory' : null),
    },
  );
  const reports = await runTicks(h, 0, 9);
  assert.deepEqual(
    reports.map((r) => r.outcome),
    ['ok', 'ok', 'invalid_output', 'invalid_output', 'invalid_output', 'invalid_output', 'error', 'error', 'ok'],
  );
  assert.match(reports[2]!.detail, /action\[2\]\[1\] is NaN/);
  assert.match(reports[4]!.detail, /= 600 outside \[0, 512\]/);
  assert.equal(reports[6]!.detail, 'onnxruntime: out of memory');
  assert.match(reports[7]!.detail, /tick threw: boom/);
  assert.ok(reports.slice(2, 8).every((r) => r.state === 'DEGRADED' && r.chunk!.fallback));
  assert.equal(h.metrics.ticks.get('invalid_output'), 4);
  assert.equal(h.metrics.ticks.get('error'), 2);
  // warnings are rate-limited: one per kind per second of tick time, carrying the numbers
  const warns = h.logger.records.filter((r) => r.message === 'tick not ok');
  assert.ok(warns.length <= 2, `${warns.length} warnings`);
});

test('a miss with no chunk yet (first tick) holds; no hold is published when no position is known', async () => {
  const h = harness();
  const r = await h.node.tick(0n);
  assert.deepEqual([r.outcome, r.state, r.chunk], ['stale_input', 'SAFE', null]);
  assert.match(r.detail, /no joint_states sample/);
  const withHold = harness({ holdPosition: [256, 256] });
  const r2 = await withHold.node.tick(0n);
  assert.deepEqual([...r2.chunk!.data], [256, 256]);
});

test('dp mode: infers when the n_action_steps window runs out and publishes that window from t_obs', async () => {
  const h = harness({ executionMode: 'dp', recoveryTicks: 1 });
  const reports = await runTicks(h, 0, 18);
  // window action[1 … 8] = t_obs … t_obs + 7dt; the row at t_obs is already due at t_obs + 5 ms, so 7 rows are
  // published and the window is exhausted after 7 ticks (at most n_action_steps = 8 ticks apart)
  assert.deepEqual(
    reports.map((r) => (r.inferred ? 1 : 0)),
    [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
  );
  assert.ok(reports.every((r) => r.outcome === 'ok' && r.state === 'RUNNING'));
  const c = reports[7]!.chunk!;
  assert.deepEqual([c.first_step_offset, c.horizon], [1, 7]);
  assert.deepEqual([c.data[0], c.data[12]], [100 + 10 * 1 + 2, 100 + 10 * 1 + 8]);
  assert.equal(reports[8]!.chunk, null);
  assert.match(reports[8]!.detail, /dp: executing chunk, 2\/8 ticks/);
  // with the actions due later than the tick (latency-free sensor stamps ahead of the tick), all 8 rows survive
  const h8 = harness({ executionMode: 'dp', recoveryTicks: 1 });
  h8.feed(0n);
  const r8 = await h8.node.tick(0n);
  assert.equal(r8.chunk!.horizon, 7); // the row at t_obs = now is due (≤ now) by definition
});

test('temporal ensembling: published rows average the overlapping chunks', async () => {
  const h = harness({ executionMode: 'temporal_ensembling', ensembleDecay: 0, recoveryTicks: 1 });
  const reports = await runTicks(h, 0, 3);
  // tick 1 (RUNNING): chunks of call 0 (t_obs 0) and call 1 (t_obs 100 ms) overlap; equal weights (decay 0)
  // row at 200 ms: call 0 row 3 = 103, call 1 row 2 = 112 → 107.5
  const c = reports[1]!.chunk!;
  assert.equal(c.first_step_offset, 1);
  assert.equal(c.data[0], (103 + 112) / 2);
  assert.equal(c.data[1], (203 + 202) / 2);
  // the last row is covered only by the newest chunk
  assert.equal(c.data[(c.horizon - 1) * 2], 100 + 10 + 15);
  const c2 = reports[2]!.chunk!; // three chunks: rows at 300 ms: 104, 113, 122
  assert.equal(c2.data[0], (104 + 113 + 122) / 3);
});

test('onMessage: accepted / rejected (counted, never throws) / ignored', () => {
  const h = harness();
  assert.deepEqual(h.node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(0n, J, [1, 2]), 0n), {
    kind: 'accepted',
    source: 'joint_states',
  });
  const v = h.node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(MS, ['agent_x'], [1]), 0n);
  assert.equal(v.kind === 'rejected' && v.reason, 'missing_joint');
  assert.deepEqual(h.node.onMessage('/camera/image_raw', 'sensor_msgs/msg/Image', {}, 0n), { kind: 'ignored' });
  assert.deepEqual(h.node.onMessage('/elsewhere', 'x', {}, 0n), { kind: 'ignored' });
  for (const garbage of [null, undefined, 42, 'x', { header: 1 }, { header: { stamp: { sec: 0, nanosec: 2 } } }]) {
    const r = h.node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', garbage, 0n);
    assert.equal(r.kind, 'rejected');
  }
  assert.equal(h.metrics.messages.get('joint_states'), 1);
  assert.equal(h.metrics.rejected.get('joint_states:missing_joint'), 1);
  assert.ok((h.metrics.rejected.get('object_pose:malformed') ?? 0) >= 1);
});

test('config is cross-checked against the policy: wrong hold length and names are refused with numbers', () => {
  const policy = new FakePolicy(testPolicySpec());
  assert.throws(() => createNode({ config: validateConfig({ modelPath: 'x', holdPosition: [1, 2, 3] }), policy }), /holdPosition must be 2 numbers/);
  assert.throws(
    () => createNode({ config: validateConfig({ modelPath: 'x', holdPosition: [1, 600] }), policy }),
    /holdPosition\[1\] must be within the model's action bounds \[0, 512\], got 600/,
  );
  assert.throws(() => createNode({ config: validateConfig({ modelPath: 'x', actionJointNames: ['a'] }), policy }), /actionJointNames must be 2 names/);
});
