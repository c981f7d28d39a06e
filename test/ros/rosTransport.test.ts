// The ROS transport against a fake shaped like rclnodejs 2.x: topic names, QoS, raw CDR in, Buffers out — and the
// bytes it publishes equal what `oneflow replay` writes into its output bag for the same input.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BagReader } from '../../src/bag/bagReader.js';
import { BagWriter } from '../../src/bag/bagWriter.js';
import { runReplay } from '../../src/bag/replayRunner.js';
import { SimClock } from '../../src/bag/simClock.js';
import { validateConfig } from '../../src/config/validateConfig.js';
import type { NodeConfig } from '../../src/config/nodeConfig.js';
import { encodeMessage } from '../../src/msgs/index.js';
import type { JointState } from '../../src/msgs/types.js';
import { createNode } from '../../src/node/createNode.js';
import { FakePolicy, testPolicySpec } from '../../src/policy/fakePolicy.js';
import type { PolicySpec } from '../../src/policy/policySpec.js';
import type { Metrics } from '../../src/telemetry/metrics.js';
import { NULL_METRICS } from '../../src/telemetry/metrics.js';
import type { RclModule, RclNode } from '../../src/transport/rclnodejsApi.js';
import { inputsFor } from '../../src/observation/inputs.js';
import { RosTransport, asBuffer, loadRclnodejs } from '../../src/transport/rosTransport.js';
import { makeFakeRclnodejs, type FakeNode } from './fakeRclnodejs.js';

const BAG = new URL('../../../test/fixtures/bags/pusht_ep205', import.meta.url).pathname;
const IMAGE_SPEC = testPolicySpec({
  name: 'image_fixture',
  stateNames: ['agent_x', 'agent_y'],
  stateSources: ['joint_states', 'joint_states'],
  image: { height: 96, width: 96, source: 'camera' },
});

async function fakeRos(): Promise<{ rcl: RclModule; node: FakeNode }> {
  const fake = makeFakeRclnodejs();
  await fake.init(undefined, ['oneflow', 'run']);
  const rcl = fake as unknown as RclModule;
  return { rcl, node: new rcl.Node('oneflow_policy') as unknown as FakeNode };
}

function transportFor(rcl: RclModule, node: FakeNode, config: NodeConfig, metrics: Metrics = NULL_METRICS): RosTransport {
  return new RosTransport({ rcl, node: node as unknown as RclNode, config, metrics });
}

test('inputs: the camera best effort (Image, or CompressedImage on /compressed), joint states and pose reliable', () => {
  const config = validateConfig({ modelPath: 'x.onnx' });
  assert.deepEqual(inputsFor(config, testPolicySpec()), [
    { source: 'joint_states', topic: '/joint_states', typeName: 'sensor_msgs/msg/JointState', qos: 'reliable' },
    { source: 'object_pose', topic: '/object_pose', typeName: 'geometry_msgs/msg/PoseStamped', qos: 'reliable' },
  ]);
  const compressed = validateConfig({ modelPath: 'x.onnx', topics: { camera: '/wrist/image_raw/compressed' } });
  assert.deepEqual(inputsFor(compressed, IMAGE_SPEC), [
    { source: 'camera', topic: '/wrist/image_raw/compressed', typeName: 'sensor_msgs/msg/CompressedImage', qos: 'sensor_data' },
    { source: 'joint_states', topic: '/joint_states', typeName: 'sensor_msgs/msg/JointState', qos: 'reliable' },
  ]);
});

test('subscriptions are raw with the QoS profile per input; publishers on the configured output topics', async () => {
  const { rcl, node } = await fakeRos();
  const config = validateConfig({ modelPath: 'x.onnx', topics: { actionChunk: '/arm/chunk', jointTrajectory: '/arm_controller/joint_trajectory' } });
  const transport = transportFor(rcl, node, config);
  transport.subscribe(inputsFor(config, IMAGE_SPEC), () => {});
  assert.deepEqual(
    node.subscriptions.map((s) => [s.topic, s.typeClass, s.options.qos, s.options.isRaw]),
    [
      ['/camera/image_raw', 'sensor_msgs/msg/Image', 'qos_profile_sensor_data', true],
      ['/joint_states', 'sensor_msgs/msg/JointState', 'qos_profile_default', true],
    ],
  );
  assert.deepEqual(
    node.publishers.map((p) => [p.topic, p.typeClass, p.options?.qos]),
    [
      ['/arm/chunk', 'oneflow_msgs/msg/ActionChunk', 'qos_profile_default'],
      ['/arm_controller/joint_trajectory', 'trajectory_msgs/msg/JointTrajectory', 'qos_profile_default'],
    ],
  );
});

test('raw CDR in → the decoded message with the ROS receive time; garbage is counted, never thrown', async () => {
  const { rcl, node } = await fakeRos();
  const config = validateConfig({ modelPath: 'x.onnx' });
  const rejected: string[] = [];
  const metrics: Metrics = { ...NULL_METRICS, countRejected: (source, reason) => void rejected.push(`${source}:${reason}`) };
  const transport = transportFor(rcl, node, config, metrics);
  const got: { topic: string; typeName: string; msg: unknown; receiveNs: bigint }[] = [];
  transport.subscribe(inputsFor(config, testPolicySpec()), (topic, typeName, msg, receiveNs) => void got.push({ topic, typeName, msg, receiveNs }));
  const js: JointState = {
    header: { stamp: { sec: 1_700_000_000, nanosec: 5 }, frame_id: '' },
    name: ['agent_x', 'agent_y'],
    position: [1.5, 2.5],
    velocity: [],
    effort: [],
  };
  node.nowNs = 1_700_000_000_100_000_000n;
  assert.equal(node.deliver('/joint_states', encodeMessage('sensor_msgs/msg/JointState', js)), 1);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.typeName, 'sensor_msgs/msg/JointState');
  assert.equal(got[0]!.receiveNs, 1_700_000_000_100_000_000n);
  const msg = got[0]!.msg as JointState;
  assert.deepEqual([...msg.position], [1.5, 2.5]);
  assert.deepEqual(msg.name, ['agent_x', 'agent_y']);
  assert.doesNotThrow(() => node.deliver('/object_pose', new Uint8Array([0, 1, 0, 0, 7])));
  assert.deepEqual(rejected, ['object_pose:malformed']);
  assert.equal(got.length, 1);
});

test('close() stops publishing and receiving, stops spinning and destroys the node', async () => {
  const { rcl, node } = await fakeRos();
  const config = validateConfig({ modelPath: 'x.onnx' });
  const transport = transportFor(rcl, node, config);
  let received = 0;
  transport.subscribe(inputsFor(config, testPolicySpec()), () => void (received += 1));
  node.spinning = true;
  transport.close();
  transport.close();
  assert.equal(node.spinning, false);
  assert.equal(node.destroyed, true);
  const js: JointState = { header: { stamp: { sec: 1, nanosec: 0 }, frame_id: '' }, name: ['agent_x', 'agent_y'], position: [1, 2], velocity: [], effort: [] };
  node.deliver('/joint_states', encodeMessage('sensor_msgs/msg/JointState', js));
  assert.equal(received, 0);
});

test('asBuffer wraps without copying; loadRclnodejs explains how to get rclnodejs when it is missing', async () => {
  const bytes = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
  const buf = asBuffer(bytes);
  assert.ok(Buffer.isBuffer(buf));
  assert.equal(buf.buffer, bytes.buffer);
  assert.deepEqual([...buf], [8, 7]);
  const missing = () => Promise.reject(new Error("Cannot find package 'rclnodejs'"));
  const sourced = { AMENT_PREFIX_PATH: '/opt/ros/jazzy' };
  await assert.rejects(
    loadRclnodejs(missing, sourced),
    /rclnodejs is not available.*source \/opt\/ros\/jazzy\/setup\.bash.*oneflow replay.*\[cause=Cannot find package 'rclnodejs'\]/s,
  );
  const fake = makeFakeRclnodejs();
  assert.equal(await loadRclnodejs(() => Promise.resolve({ default: fake }), sourced), fake);
});

/** Replays the fixture bag; returns the raw output bytes per output topic and every tick time. */
async function replayBytes(spec: PolicySpec, config: NodeConfig): Promise<{ chunk: Uint8Array[]; traj: Uint8Array[]; ticks: bigint[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'oneflow-ros-'));
  try {
    const bag = await BagReader.open(BAG);
    const clock = new SimClock(0n);
    const node = createNode({ config, policy: new FakePolicy(spec), clock });
    const out = await BagWriter.create(join(dir, 'out'));
    const ticks: bigint[] = [];
    await runReplay({ bag, node, clock, out, wallTimes: true, onTick: (_d, _t, r) => void ticks.push(r.nowNs) });
    await out.close();
    await node.close();
    const reader = await BagReader.open(join(dir, 'out'));
    const chunk: Uint8Array[] = [];
    const traj: Uint8Array[] = [];
    for await (const m of reader.messages([config.topics.actionChunk, config.topics.jointTrajectory])) {
      (m.topic === config.topics.actionChunk ? chunk : traj).push(m.data.slice());
    }
    return { chunk, traj, ticks };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const [label, spec] of [
  ['state policy', testPolicySpec()],
  ['image policy', IMAGE_SPEC],
] as const) {
  test(`${label}: published bytes equal the replay output bag, message for message`, async () => {
    const config = validateConfig({ modelPath: 'fixture.onnx' });
    const replayed = await replayBytes(spec, config);
    assert.ok(replayed.chunk.length >= 30, `replay published ${replayed.chunk.length} chunks`);

    const { rcl, node: rosNode } = await fakeRos();
    const transport = transportFor(rcl, rosNode, config);
    const node = createNode({ config, policy: new FakePolicy(spec), clock: transport, sinks: transport });
    transport.subscribe(inputsFor(config, spec), (topic, typeName, msg, receiveNs) => void node.onMessage(topic, typeName, msg, receiveNs));
    const bag = await BagReader.open(BAG);
    const it = bag.messages();
    let next = await it.next();
    for (const t of replayed.ticks) {
      while (next.done !== true && next.value.logTimeNs <= t) {
        rosNode.nowNs = next.value.logTimeNs; // the message arrives at its log time
        rosNode.deliver(next.value.topic, next.value.data);
        next = await it.next();
      }
      rosNode.nowNs = t;
      await node.tick(t);
    }
    const sentChunks = [...rosNode.publisher(config.topics.actionChunk).sent];
    const sentTraj = [...rosNode.publisher(config.topics.jointTrajectory).sent];
    await node.close(); // halts: one more hold goes out live (replayBytes' bag was closed before its node)
    assert.equal(rosNode.publisher(config.topics.actionChunk).sent.length, sentChunks.length + 1, 'close() published one hold');
    assert.equal(sentChunks.length, replayed.chunk.length);
    assert.equal(sentTraj.length, replayed.traj.length);
    sentChunks.forEach((b, i) => assert.ok(Buffer.compare(b, Buffer.from(replayed.chunk[i]!)) === 0, `ActionChunk ${i} differs`));
    sentTraj.forEach((b, i) => assert.ok(Buffer.compare(b, Buffer.from(replayed.traj[i]!)) === 0, `JointTrajectory ${i} differs`));
  });
}
