import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ACTION_CHUNK_TEXT,
  DEFINITION_SEPARATOR,
  MESSAGE_DEFINITIONS,
  SchemaError,
  decodeMessage,
  encodeMessage,
  timeFromNs,
  timeToNs,
  type ActionChunk,
  type JointTrajectory,
  type PoseStamped,
} from '../../src/msgs/index.js';

const header = { stamp: { sec: 1700000000, nanosec: 100_000_000 }, frame_id: 'pusht' };

test('ActionChunk text is the committed .msg file verbatim', () => {
  assert.equal(ACTION_CHUNK_TEXT, readFileSync('msgs/oneflow_msgs/msg/ActionChunk.msg', 'utf8'));
});

test('every definition uses the rosbag2 dependency convention (80 "=", MSG: pkg/Name without /msg/)', () => {
  for (const [name, text] of Object.entries(MESSAGE_DEFINITIONS)) {
    const lines = text.split('\n');
    const msgLines = lines.filter((l) => l.startsWith('MSG: '));
    assert.ok(msgLines.length >= 1, `${name} has no dependency blocks`);
    for (const l of msgLines) assert.doesNotMatch(l, /\/msg\//, `${name}: ${l}`);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.startsWith('MSG: ')) assert.equal(lines[i - 1], DEFINITION_SEPARATOR, `${name} line ${i}`);
    }
  }
});

test('JointState, Image, PoseStamped, JointTrajectory, ActionChunk round-trip through CDR', () => {
  const js = { header, name: ['agent_x', 'agent_y'], position: [1.5, 2.5], velocity: [], effort: [] };
  const jsBack = decodeMessage('sensor_msgs/msg/JointState', encodeMessage('sensor_msgs/msg/JointState', js));
  assert.deepEqual(jsBack.name, js.name);
  assert.deepEqual(Array.from(jsBack.position), [1.5, 2.5]);
  assert.deepEqual(jsBack.header, header);

  const data = new Uint8Array(96 * 96 * 3).map((_, i) => i % 251);
  const img = { header, height: 96, width: 96, encoding: 'rgb8', is_bigendian: 0, step: 288, data };
  const bytes = encodeMessage('sensor_msgs/msg/Image', img);
  assert.deepEqual([...bytes.subarray(0, 4)], [0, 1, 0, 0]); // CDR_LE encapsulation
  const imgBack = decodeMessage('sensor_msgs/msg/Image', bytes);
  assert.equal(imgBack.encoding, 'rgb8');
  assert.deepEqual(imgBack.data, data);

  const pose: PoseStamped = {
    header,
    pose: { position: { x: 1, y: 2, z: 0 }, orientation: { x: 0, y: 0, z: Math.sin(0.3), w: Math.cos(0.3) } },
  };
  assert.deepEqual(decodeMessage('geometry_msgs/msg/PoseStamped', encodeMessage('geometry_msgs/msg/PoseStamped', pose)), pose);

  const traj: JointTrajectory = {
    header,
    joint_names: ['agent_x', 'agent_y'],
    points: [{ positions: [1, 2], velocities: [], accelerations: [], effort: [], time_from_start: { sec: 0, nanosec: 1e8 } }],
  };
  const trajBack = decodeMessage('trajectory_msgs/msg/JointTrajectory', encodeMessage('trajectory_msgs/msg/JointTrajectory', traj));
  assert.deepEqual(Array.from(trajBack.points[0]!.positions), [1, 2]);
  assert.deepEqual(trajBack.points[0]!.time_from_start, { sec: 0, nanosec: 1e8 });

  const chunk: ActionChunk = {
    header,
    model_id: '0123456789abcdef',
    seq: 42n,
    dt_sec: 0.1,
    first_step_offset: -1,
    names: ['agent_x', 'agent_y'],
    horizon: 2,
    data: [1, 2, 3, 4],
    inference_time_sec: 0.002,
    fallback: false,
    watchdog_state: 1,
  };
  const chunkBack = decodeMessage('oneflow_msgs/msg/ActionChunk', encodeMessage('oneflow_msgs/msg/ActionChunk', chunk));
  assert.equal(chunkBack.seq, 42n);
  assert.equal(chunkBack.first_step_offset, -1);
  assert.deepEqual(Array.from(chunkBack.data), [1, 2, 3, 4]);
  assert.equal(chunkBack.watchdog_state, 1);
});

test('decoding a truncated payload raises a SchemaError naming the type and size', () => {
  const js = { header, name: ['agent_x'], position: [1], velocity: [], effort: [] };
  const bytes = encodeMessage('sensor_msgs/msg/JointState', js);
  assert.throws(
    () => decodeMessage('sensor_msgs/msg/JointState', bytes.subarray(0, 20)),
    (e: unknown) => {
      assert.ok(e instanceof SchemaError);
      assert.match(e.message, /20 bytes as sensor_msgs\/msg\/JointState/);
      return true;
    },
  );
});

test('time helpers convert exactly', () => {
  assert.deepEqual(timeFromNs(1_700_000_000_123_456_789n), { sec: 1_700_000_000, nanosec: 123_456_789 });
  assert.equal(timeToNs({ sec: 1_700_000_000, nanosec: 123_456_789 }), 1_700_000_000_123_456_789n);
});
