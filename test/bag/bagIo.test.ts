import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import { BagReader } from '../../src/bag/bagReader.js';
import { BagWriter } from '../../src/bag/bagWriter.js';
import { bagInformation } from '../../src/bag/bagInformation.js';
import { timeToNs, type JointState } from '../../src/msgs/index.js';
import { FIXTURE_BAG, HAVE_PYTHON, python, tempDir } from './helpers.js';

test('reads the rosbags-written fixture: 4 topics × 49 messages at 10 Hz, header stamp = log time', async () => {
  const bag = await BagReader.open(FIXTURE_BAG);
  assert.deepEqual(
    bag.topics.map((t) => [t.topic, t.type, t.messageCount, t.schemaEncoding, t.messageEncoding]),
    [
      ['/camera/image_raw', 'sensor_msgs/msg/Image', 49, 'ros2msg', 'cdr'],
      ['/joint_states', 'sensor_msgs/msg/JointState', 49, 'ros2msg', 'cdr'],
      ['/object_pose', 'geometry_msgs/msg/PoseStamped', 49, 'ros2msg', 'cdr'],
      ['/teleop/action', 'sensor_msgs/msg/JointState', 49, 'ros2msg', 'cdr'],
    ],
  );
  assert.deepEqual(bag.problems, []);
  const stamps: bigint[] = [];
  for await (const m of bag.messages(['/joint_states'])) {
    const js = bag.codecFor(m.topic).decode(m.data) as JointState;
    assert.deepEqual(js.name, ['agent_x', 'agent_y']);
    assert.equal(timeToNs(js.header.stamp), m.logTimeNs);
    stamps.push(m.logTimeNs);
  }
  assert.equal(stamps.length, 49);
  for (let i = 1; i < stamps.length; i++) assert.equal(stamps[i]! - stamps[i - 1]!, 100_000_000n);
});

async function copyFixture(dir: string): Promise<void> {
  const bag = await BagReader.open(FIXTURE_BAG);
  const w = await BagWriter.create(dir);
  for (const t of bag.topics) await w.addTopic(t.topic, t.type);
  for await (const m of bag.messages()) await w.writeRaw(m.topic, m.logTimeNs, m.data);
  await w.close();
}

test('writes what rosbag2 writes: ros2 profile, ros2msg schemas, cdr, QoS metadata, chunks, Statistics, rosbag2 record', async () => {
  const dir = join(tempDir(), 'copy');
  await copyFixture(dir);
  const yaml = readFileSync(join(dir, 'metadata.yaml'), 'utf8');
  assert.deepEqual(bagInformation(yaml, 'metadata.yaml').relativeFilePaths, ['copy_0.mcap']);
  assert.match(yaml, /^rosbag2_bagfile_information:\n {2}version: 9\n {2}storage_identifier: mcap\n/);
  assert.match(yaml, /message_count: 196\n/);
  assert.match(yaml, /duration:\n {4}nanoseconds: 4800000000\n/);
  const bytes = readFileSync(join(dir, 'copy_0.mcap'));
  const reader = await McapIndexedReader.Initialize({
    readable: { size: async () => BigInt(bytes.length), read: async (o, l) => bytes.subarray(Number(o), Number(o + l)) },
  });
  assert.equal(reader.header.profile, 'ros2');
  assert.equal(reader.statistics?.messageCount, 196n);
  assert.ok(reader.chunkIndexes.length >= 2, `expected several chunks, got ${reader.chunkIndexes.length}`);
  assert.ok(
    reader.chunkIndexes.every((c) => c.compression === ''),
    'chunks must be uncompressed',
  );
  for (const s of reader.schemasById.values()) assert.equal(s.encoding, 'ros2msg');
  for (const c of reader.channelsById.values()) {
    assert.equal(c.messageEncoding, 'cdr');
    assert.match(c.metadata.get('offered_qos_profiles') ?? '', /^- history: keep_last\n {2}depth: 10\n/);
  }
  const meta = [];
  for await (const m of reader.readMetadata({ name: 'rosbag2' })) meta.push(m);
  assert.equal(meta.length, 1);
  assert.match(meta[0]!.metadata.get('serialized_metadata') ?? '', /^version: 9\n/);
});

test('writing the same messages twice gives byte-identical bags', async () => {
  const a = join(tempDir(), 'same');
  const b = join(tempDir(), 'same');
  await copyFixture(a);
  await copyFixture(b);
  assert.ok(readFileSync(join(a, 'same_0.mcap')).equals(readFileSync(join(b, 'same_0.mcap'))));
  assert.equal(readFileSync(join(a, 'metadata.yaml'), 'utf8'), readFileSync(join(b, 'metadata.yaml'), 'utf8'));
});

test('refuses to write over an existing bag and to go back in time', async () => {
  const dir = join(tempDir(), 'twice');
  await copyFixture(dir);
  await assert.rejects(BagWriter.create(dir), /already holds a bag/);
  const w = await BagWriter.create(join(tempDir(), 'order'));
  await w.addTopic('/j', 'sensor_msgs/msg/JointState');
  const msg = { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, name: [], position: [], velocity: [], effort: [] };
  await w.write('/j', 'sensor_msgs/msg/JointState', 10n, msg);
  await assert.rejects(w.write('/j', 'sensor_msgs/msg/JointState', 5n, msg), /log time 5 ns is earlier than the previous 10 ns/);
  await assert.rejects(w.writeRaw('/nope', 20n, new Uint8Array(4)), /topic \/nope was not added/);
  await assert.rejects(w.addTopic('/x', 'pkg/msg/Unknown'), /no ros2msg definition for type pkg\/msg\/Unknown/);
  await w.close();
});

test('cross-check: the Python rosbags library reads our bag with the same content', { skip: !HAVE_PYTHON && 'no .venv' }, async () => {
  const dir = join(tempDir(), 'forpy');
  await copyFixture(dir);
  const out = python(
    `import sys, json
from oneflow_train.bags import read_bag
from rosbags.rosbag2 import Reader
with Reader(sys.argv[1]) as r:
    counts = {c.topic: c.msgcount for c in r.connections}
js = [list(m.position) for t, _, ns, m in read_bag(sys.argv[1], ['/joint_states'])]
print(json.dumps({'counts': counts, 'first': js[0], 'n': len(js)}))`,
    [dir],
  );
  const got = JSON.parse(out) as { counts: Record<string, number>; first: number[]; n: number };
  assert.equal(got.n, 49);
  assert.equal(got.counts['/camera/image_raw'], 49);
  const bag = await BagReader.open(FIXTURE_BAG);
  for await (const m of bag.messages(['/joint_states'])) {
    assert.deepEqual(got.first, Array.from((bag.codecFor(m.topic).decode(m.data) as JointState).position));
    break;
  }
});
