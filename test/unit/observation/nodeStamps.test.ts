import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/validateConfig.js';
import { createNode } from '../../../src/node/createNode.js';
import { FakePolicy, testPolicySpec } from '../../../src/policy/fakePolicy.js';
import { jointState, MS, pose } from '../helpers.js';

const J = ['agent_x', 'agent_y'];

test('live node: one JointState stamped a year ahead is rejected, and the node keeps taking valid messages (no SAFE latch)', async () => {
  const node = createNode({ config: validateConfig({ modelPath: 'fake.onnx', metricsPort: 0 }), policy: new FakePolicy(testPolicySpec()) });
  const T0 = 1_700_000_000_000n * MS;
  const YEAR_NS = 365n * 86_400_000n * MS;
  const outcomes: string[] = [];
  for (let k = 0n; k < 20n; k++) {
    const t = T0 + k * 100n * MS;
    if (k === 5n) {
      const v = node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(t + YEAR_NS, J, [1, 1]), t);
      assert.equal(v.kind === 'rejected' && v.reason, 'bad_stamp');
    }
    assert.equal(node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(t, J, [100, 100]), t).kind, 'accepted', `tick ${k}`);
    assert.equal(node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 300, 300, 0), t).kind, 'accepted');
    outcomes.push((await node.tick(t)).outcome);
  }
  assert.deepEqual(outcomes.slice(1), Array(19).fill('ok'));
  assert.equal(node.state, 'RUNNING');
  await node.close();
});
