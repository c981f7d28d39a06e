import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ObservationStore } from '../../../src/observation/observationStore.js';
import { SampleRing } from '../../../src/observation/sampleRing.js';
import { testPolicySpec } from '../../../src/policy/fakePolicy.js';
import { jointState, MS, pose } from '../helpers.js';

const J = ['agent_x', 'agent_y'];

test('SampleRing: a reserved slot that is never committed leaves every stored sample as it was', () => {
  const ring = new SampleRing(2, () => new Float64Array(2));
  ring.reserve().set([1, 2]);
  ring.commit(100n);
  ring.reserve().set([3, 4]);
  ring.commit(200n);
  ring.reserve().set([99, 99]); // the ring is full: the scratch slot must not be the oldest sample
  assert.deepEqual([...ring.at(1).value], [1, 2]);
  assert.deepEqual([...ring.at(0).value], [3, 4]);
  ring.reserve()[0] = 5;
  ring.commit(300n); // committing the scratch slot retires the oldest sample
  assert.equal(ring.size, 2);
  assert.deepEqual([ring.at(0).stampNs, ring.at(1).stampNs], [300n, 200n]);
  assert.deepEqual([...ring.at(1).value], [3, 4]);
  assert.equal(ring.at(0).value[0], 5);
});

test('a JointState rejected half-way (NaN in the second joint) does not corrupt the oldest sample of a full ring', () => {
  const s = new ObservationStore(testPolicySpec(), { bufferSize: 2 });
  const accept = (source: 'joint_states' | 'object_pose', type: string, msg: unknown, ns: bigint) => s.accept(source, type, msg, ns);
  assert.equal(accept('joint_states', 'sensor_msgs/msg/JointState', jointState(100n * MS, J, [1, 2]), 100n * MS), null);
  assert.equal(accept('joint_states', 'sensor_msgs/msg/JointState', jointState(200n * MS, J, [3, 4]), 200n * MS), null);
  assert.equal(accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(200n * MS, 5, 6, 0), 200n * MS), null);
  const bad = jointState(300n * MS, J, [99, Number.NaN]);
  assert.equal(accept('joint_states', 'sensor_msgs/msg/JointState', bad, 300n * MS)?.reason, 'non_finite');
  const state = new Float32Array(10);
  assert.equal(s.assemble(200n * MS, 0.5, state, null).ok, true);
  // frame 0 (t = 100 ms) is the oldest joint sample: [1, 2], never the 99 the rejected message wrote first
  assert.deepEqual([...state.subarray(0, 2)], [1, 2]);
  assert.deepEqual([...state.subarray(5, 7)], [3, 4]);
});
