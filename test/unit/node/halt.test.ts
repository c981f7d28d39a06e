// Issue 18 item 9: on stop the node publishes one hold first (as ros2_controllers' halt()), so the arm's
// JointTrajectoryController does not keep executing the last chunk for up to its horizon. halt() holds the point
// being commanded at that moment; close() halts first unless halt() already did; nothing is published afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/validateConfig.js';
import type { ActionChunk, JointTrajectory } from '../../../src/msgs/types.js';
import { createNode } from '../../../src/node/createNode.js';
import { FakePolicy, testPolicySpec } from '../../../src/policy/fakePolicy.js';
import { jointState, MS, pose } from '../helpers.js';

const PERIOD = 100n * MS;

/** A running node whose chunks move: action k = [100 + 10·call + k, 200 + k]. */
async function running() {
  const policy = new FakePolicy(testPolicySpec(), {
    act: (_i, action, call) => {
      for (let k = 0; k < 16; k++) [action[2 * k], action[2 * k + 1]] = [100 + 10 * call + k, 200 + k];
    },
  });
  const chunks: ActionChunk[] = [];
  const trajectories: JointTrajectory[] = [];
  let closedPolicy = false;
  const close = policy.close.bind(policy);
  policy.close = () => ((closedPolicy = true), close());
  const node = createNode({
    config: validateConfig({ modelPath: 'fake.onnx', recoveryTicks: 1 }),
    policy,
    sinks: { publishChunk: (m) => chunks.push(m), publishTrajectory: (m) => trajectories.push(m) },
  });
  for (let i = 0; i < 3; i++) {
    const t = BigInt(i) * PERIOD;
    node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(t, ['agent_x', 'agent_y'], [50, 51]), t);
    node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 300, 301, 0.5), t);
    const r = await node.tick(t + 5n * MS);
    assert.equal(r.state, 'RUNNING');
  }
  return { node, chunks, trajectories, policyClosed: () => closedPolicy };
}

test('halt(): one hold of the point commanded right now, fallback, then nothing more is published', async () => {
  const { node, chunks, trajectories } = await running();
  const last = chunks.at(-1)!;
  assert.equal(last.fallback, false);
  const n = chunks.length;
  // Tick 2's chunk (call 2) is stamped t_obs = 200 ms with first_step_offset ≥ 0: at 250 ms its first row is commanded.
  const h = node.halt(250n * MS, 'test stop');
  assert.equal(chunks.length, n + 1);
  assert.equal(trajectories.length, n + 1);
  const hold = chunks.at(-1)!;
  assert.equal(hold.fallback, true);
  assert.equal(hold.horizon, 1);
  assert.deepEqual([...hold.data], [last.data[0], last.data[1]]);
  assert.equal(trajectories.at(-1)!.points.length, 1);
  assert.deepEqual(h.chunk, hold);
  assert.match(h.detail, /test stop/);
  // Stopped: neither ticks nor a second halt or close publish anything.
  const r = await node.tick(305n * MS);
  assert.equal(r.chunk, null);
  assert.equal(node.halt(400n * MS, 'again').chunk, null);
  await node.close();
  assert.equal(chunks.length, n + 1);
});

test('close() without halt() publishes the hold first, then closes the policy', async () => {
  const { node, chunks, policyClosed } = await running();
  const n = chunks.length;
  await node.close();
  assert.equal(chunks.length, n + 1, 'one hold on close');
  assert.equal(chunks.at(-1)!.fallback, true);
  assert.ok(policyClosed());
});
