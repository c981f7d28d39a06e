// The noise an inference gets — and so the chunk it publishes — is a function of the observation stamp it used
// (t_obs, the chunk's header.stamp), not of how many inferences came before: a live node whose timing made it infer
// once more (or once less) publishes the same chunk for the same observations as a replay does (docs/node.md §6).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/validateConfig.js';
import type { ActionChunk } from '../../../src/msgs/types.js';
import { createNode } from '../../../src/node/createNode.js';
import { FakePolicy, testPolicySpec } from '../../../src/policy/fakePolicy.js';
import { fillGaussianNoise, noiseIndexOfStamp } from '../../../src/policy/noise.js';
import { jointState, MS, pose } from '../helpers.js';

const J = ['agent_x', 'agent_y'];

/** A node whose fake policy turns its noise into the action (row k = 256 + 10·noise[2k], 256 + 10·noise[2k+1]). */
function harness() {
  const policy = new FakePolicy(testPolicySpec(), {
    act: (input, action) => {
      for (let i = 0; i < action.length; i++) action[i] = 256 + 10 * input.noise[i]!;
    },
  });
  const chunks: ActionChunk[] = [];
  const node = createNode({
    config: validateConfig({ modelPath: 'fake.onnx', noiseSeed: 7, recoveryTicks: 1 }),
    policy,
    sinks: { publishChunk: (m) => chunks.push(m), publishTrajectory: () => {} },
  });
  const feed = (t: bigint) => {
    node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(t, J, [50, 51]), t);
    node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 300, 301, 0.5), t);
  };
  return { node, policy, chunks, feed };
}

const fresh = (chunks: ActionChunk[], sec: number, nanosec: number) =>
  chunks.filter((c) => !c.fallback && c.header.stamp.sec === sec && c.header.stamp.nanosec === nanosec);

test('same observations, a different number of earlier inferences: the same noise and the same chunk', async () => {
  const a = harness();
  const b = harness();
  for (const h of [a, b]) {
    h.feed(0n);
    await h.node.tick(5n * MS);
    await h.node.tick(30n * MS);
  }
  await a.node.tick(60n * MS); // a infers once more on the t_obs = 0 observations (a tick the timing added)
  for (const h of [a, b]) {
    h.feed(100n * MS);
    await h.node.tick(105n * MS);
  }
  assert.equal(a.policy.calls.length, 4);
  assert.equal(b.policy.calls.length, 3);
  const expected = new Float32Array(32);
  fillGaussianNoise(expected, 7, noiseIndexOfStamp(100n * MS));
  assert.deepEqual(a.policy.calls[3]!.noise, expected);
  assert.deepEqual(b.policy.calls[2]!.noise, expected);
  const [ca] = fresh(a.chunks, 0, 100_000_000);
  const [cb] = fresh(b.chunks, 0, 100_000_000);
  assert.ok(ca !== undefined && cb !== undefined, 'both published a fresh chunk for t_obs = 100 ms');
  assert.deepEqual(ca.data, cb.data);
  assert.equal(ca.first_step_offset, cb.first_step_offset);
  // repeated inferences on one t_obs draw the same noise; a new t_obs draws new noise
  assert.deepEqual(a.policy.calls[1]!.noise, a.policy.calls[2]!.noise);
  assert.notDeepEqual(a.policy.calls[2]!.noise, a.policy.calls[3]!.noise);
});

test('noise index: a function of the 64-bit stamp, both halves matter, negative stamps wrap as uint64', () => {
  const t = 1_700_000_000_123_456_789n;
  assert.equal(noiseIndexOfStamp(t), noiseIndexOfStamp(t));
  assert.notEqual(noiseIndexOfStamp(t), noiseIndexOfStamp(t + 1n));
  assert.notEqual(noiseIndexOfStamp(t), noiseIndexOfStamp(t + (1n << 32n)));
  assert.equal(noiseIndexOfStamp(-1n), noiseIndexOfStamp((1n << 64n) - 1n));
  const index = noiseIndexOfStamp(t);
  assert.ok(Number.isInteger(index) && index >= 0 && index <= 0xffffffff, `uint32, got ${index}`);
});
