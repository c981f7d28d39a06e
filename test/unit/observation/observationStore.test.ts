import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ObservationStore } from '../../../src/observation/observationStore.js';
import { testPolicySpec } from '../../../src/policy/fakePolicy.js';
import { image, jointState, MS, pose } from '../helpers.js';

const J = ['agent_x', 'agent_y'];

function store(overrides = {}) {
  return new ObservationStore(testPolicySpec(overrides), { bufferSize: 8 });
}

test('assembles To frames at obs_interval back from t_obs, nearest sample per source, in state order', () => {
  const s = store();
  for (let k = 0; k < 5; k++) {
    const t = BigInt(k) * 100n * MS;
    assert.equal(s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(t + 200_000n, J, [k, 10 + k]), 0n), null); // 0.2 ms later
    assert.equal(s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 100 + k, 200 + k, 0.1 * k), 0n), null);
  }
  const state = new Float32Array(10);
  const r = s.assemble(450n * MS, 0.5, state, null);
  assert.deepEqual(r, { ok: true, tObsNs: 400n * MS }); // min over sources of the newest stamps
  const expected = [3, 13, 103, 203, 0.3, 4, 14, 104, 204, 0.4];
  expected.forEach((v, i) => assert.ok(Math.abs(state[i]! - v) < 1e-6, `state[${i}] = ${state[i]}, expected ${v}`));
});

test('before the oldest sample, the oldest is repeated (DP padding)', () => {
  const s = store();
  s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(1000n * MS, J, [1, 2]), 0n);
  s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(1000n * MS, 3, 4, 0), 0n);
  const state = new Float32Array(10);
  assert.equal(s.assemble(1000n * MS, 0.5, state, null).ok, true);
  assert.deepEqual([...state], [1, 2, 3, 4, 0, 1, 2, 3, 4, 0]);
});

test('stale and missing sources are reported with the source and age; samples after the tick are ignored', () => {
  const s = store();
  const state = new Float32Array(10);
  s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(0n, J, [1, 2]), 0n);
  let r = s.assemble(10n * MS, 0.5, state, null);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.source, 'object_pose');
  s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(0n, 3, 4, 0), 0n);
  r = s.assemble(600n * MS, 0.5, state, null);
  assert.ok(!r.ok && r.ageSec !== null && Math.abs(r.ageSec - 0.6) < 1e-9);
  assert.match(!r.ok ? r.detail : '', /0\.6000 s old, limit 0\.5 s/);
  s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(900n * MS, J, [5, 6]), 0n);
  s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(900n * MS, 7, 8, 0), 0n);
  r = s.assemble(450n * MS, 0.5, state, null); // the 900 ms samples are in the future of this tick
  assert.deepEqual(r, { ok: true, tObsNs: 0n });
  assert.equal(s.ageSec('joint_states', 950n * MS), 0.05);
});

test('out-of-order stamps, wrong types and decoder errors are rejected without throwing', () => {
  const s = store();
  assert.equal(s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(100n * MS, J, [1, 2]), 0n), null);
  assert.equal(s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(50n * MS, J, [1, 2]), 0n)?.reason, 'bad_stamp');
  assert.equal(s.accept('joint_states', 'geometry_msgs/msg/PoseStamped', pose(200n * MS, 1, 2, 0), 0n)?.reason, 'malformed');
  assert.equal(s.accept('joint_states', 'sensor_msgs/msg/JointState', null, 0n)?.reason, 'bad_stamp');
  assert.equal(s.accept('joint_states', 'sensor_msgs/msg/JointState', { header: { stamp: { sec: 1, nanosec: 0 } }, name: 5 }, 0n)?.reason, 'malformed');
  assert.equal(s.accept('camera', 'sensor_msgs/msg/Image', image(0n, 2, 2, 'rgb8'), 0n)?.reason, 'malformed'); // not an input
  // a zero stamp falls back to the receive time
  assert.equal(s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(0n, 1, 2, 0), 123n * MS), null);
  assert.equal(s.ageSec('object_pose', 223n * MS), 0.1);
});

test('image policies: camera frames of any encoding are resized into [To, H, W, 3]', () => {
  const s = store({ image: { height: 4, width: 6, source: 'camera' }, stateNames: ['agent_x', 'agent_y'], stateSources: ['joint_states', 'joint_states'] });
  assert.deepEqual([...s.sources].sort(), ['camera', 'joint_states']);
  s.accept('camera', 'sensor_msgs/msg/Image', image(0n, 6, 4, 'bgra8'), 0n);
  s.accept('camera', 'sensor_msgs/msg/Image', image(100n * MS, 12, 8, 'mono8'), 0n);
  s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(100n * MS, J, [1, 2]), 0n);
  const img = new Uint8Array(2 * 4 * 6 * 3);
  const state = new Float32Array(4);
  assert.equal(s.assemble(100n * MS, 0.5, state, img).ok, true);
  assert.deepEqual([...img.subarray((1 * 6 + 2) * 3, (1 * 6 + 2) * 3 + 3)], [2, 1, 3]); // frame 0: exact copy of bgra8 as RGB
  const f1 = img.subarray(4 * 6 * 3);
  assert.equal(f1[0], f1[1]); // frame 1: mono → R = G = B
  assert.deepEqual([...state], [1, 2, 1, 2]);
});

test('a stamp far from the clock (a year ahead, an hour behind) is rejected with both times and the limit; later valid messages are taken', () => {
  const s = store();
  const YEAR = 365n * 86_400n * 1_000_000_000n;
  const now = 1_700_000_000n * 1_000_000_000n;
  const future = s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(now + YEAR, J, [9, 9]), now);
  assert.equal(future?.reason, 'bad_stamp');
  assert.match(future?.detail ?? '', /stamp .* is 31536000\.000 s ahead of the clock .*, limit 1 s/);
  const past = s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(now - 3600n * 1_000_000_000n, J, [9, 9]), now);
  assert.equal(past?.reason, 'bad_stamp');
  assert.match(past?.detail ?? '', /3600\.000 s behind the clock/);
  for (let k = 1n; k <= 3n; k++) {
    const t = now + k * 100n * MS;
    assert.equal(s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(t, J, [Number(k), 0]), t + MS), null, `joint message ${k}`);
    assert.equal(s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 1, 2, 0), t + MS), null);
  }
  const state = new Float32Array(10);
  assert.deepEqual(s.assemble(now + 300n * MS, 0.5, state, null), { ok: true, tObsNs: now + 300n * MS });
  assert.equal(state[5], 3);
});

test('held state expires when the clock goes back (simulation reset): the next message is taken, not refused as older', () => {
  const s = store();
  const state = new Float32Array(10);
  for (const t of [10_000n * MS, 10_100n * MS]) {
    s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(t, J, [1, 1]), t);
    s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 1, 1, 0), t);
  }
  // the clock restarts at 2 s: everything held is now 8 s in the future of the clock
  const t = 2_000n * MS;
  assert.equal(s.accept('joint_states', 'sensor_msgs/msg/JointState', jointState(t, J, [7, 8]), t), null);
  assert.equal(s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(t, 5, 6, 0), t), null);
  assert.deepEqual(s.assemble(t, 0.5, state, null), { ok: true, tObsNs: t });
  assert.deepEqual([...state.subarray(5, 9)], [7, 8, 5, 6]);
  assert.deepEqual([...state.subarray(0, 4)], [7, 8, 5, 6]); // padding from the new sample, none from before the reset
});

test('the skew limit is an option of the store (maxStampSkewSec)', () => {
  const s = new ObservationStore(testPolicySpec(), { bufferSize: 8, maxStampSkewSec: 0.05 });
  assert.equal(s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(100n * MS, 1, 2, 0), 40n * MS)?.reason, 'bad_stamp');
  assert.equal(s.accept('object_pose', 'geometry_msgs/msg/PoseStamped', pose(100n * MS, 1, 2, 0), 60n * MS), null);
});
