import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BagReader } from '../../src/bag/bagReader.js';
import { BagWriter } from '../../src/bag/bagWriter.js';
import { ReplayInputError } from '../../src/bag/replayRunner.js';
import type { ActionChunk, JointState } from '../../src/msgs/index.js';
import { HAVE_PYTHON, python, tempDir } from '../bag/helpers.js';
import { FIXTURE_BAG, editedFixture, replayWithFake } from './helpers.js';

test('replays the fixture: one tick per 100 ms once the To=2 window is full, outputs in the bag, RMSE computed', async () => {
  const outDir = join(tempDir(), 'out');
  const s = await replayWithFake(FIXTURE_BAG, outDir);
  assert.equal(s.ticks.total, 48); // 49 steps, first tick at the 2nd step
  assert.equal(s.ticks.by_outcome.ok, 48);
  assert.equal(s.published.chunks, 48);
  assert.equal(s.first_tick_ns, '1700000000100000000');
  assert.equal(s.watchdog.final_state, 'RUNNING');
  assert.deepEqual(s.watchdog.counts, { 'SAFE->RUNNING': 1 });
  assert.deepEqual(s.input.problems, {});
  const out = await BagReader.open(outDir);
  const counts = Object.fromEntries(out.topics.map((t) => [t.topic, t.messageCount]));
  assert.deepEqual(counts, {
    '/camera/image_raw': 49,
    '/joint_states': 49,
    '/object_pose': 49,
    '/oneflow/action_chunk': 48,
    '/oneflow/joint_trajectory': 48,
    '/teleop/action': 49,
  });
  // RMSE, recomputed here from the bags. The node drops rows already due, so the command for t comes from the
  // chunk published at t − 100 ms; the fake policy holds the newest agent position, so commanded(t) = agent(t − 0.1)
  // — except the SAFE holds at ticks 0.1 and 0.2 (before 3 healthy ticks), which both hold agent(0.1).
  const agent = new Map<bigint, number[]>();
  const teleop = new Map<bigint, number[]>();
  for await (const m of out.messages(['/joint_states', '/teleop/action'])) {
    const js = out.codecFor(m.topic).decode(m.data) as JointState;
    (m.topic === '/joint_states' ? agent : teleop).set(m.logTimeNs, Array.from(js.position));
  }
  const T0 = 1700000000000000000n;
  const DT = 100_000_000n;
  let sq = 0;
  let n = 0;
  for (const [t, cmd] of teleop) {
    if (t < T0 + 2n * DT) continue; // no chunk covers 0.0 and 0.1
    const a = agent.get(t === T0 + 3n * DT ? T0 + DT : t - DT)!;
    for (let d = 0; d < 2; d++) {
      sq += (a[d]! - cmd[d]!) ** 2;
      n++;
    }
  }
  assert.equal(s.rmse_vs_teleop?.matched_steps, 47);
  assert.equal(s.rmse_vs_teleop?.unmatched_steps, 2);
  assert.ok(Math.abs(s.rmse_vs_teleop!.rmse! - Math.sqrt(sq / n)) < 1e-9, `${s.rmse_vs_teleop!.rmse} vs ${Math.sqrt(sq / n)}`);
  // The chunk stamp is the observation time; its log time is the tick time.
  for await (const m of out.messages(['/oneflow/action_chunk'])) {
    const c = out.codecFor(m.topic).decode(m.data) as ActionChunk;
    assert.equal(c.inference_time_sec, 0);
    assert.deepEqual(c.names, ['agent_x', 'agent_y']);
    break;
  }
});

test('same bag + policy + seed → byte-identical output bag', async () => {
  const a = join(tempDir(), 'run');
  const b = join(tempDir(), 'run');
  await replayWithFake(FIXTURE_BAG, a, 7);
  await replayWithFake(FIXTURE_BAG, b, 7);
  assert.ok(readFileSync(join(a, 'run_0.mcap')).equals(readFileSync(join(b, 'run_0.mcap'))));
});

test('the Python rosbags library reads the replay output bag, ActionChunk included', { skip: !HAVE_PYTHON && 'no .venv' }, async () => {
  const outDir = join(tempDir(), 'forpy');
  await replayWithFake(FIXTURE_BAG, outDir);
  const got = JSON.parse(
    python(
      `import sys, json
from oneflow_train.bags import read_bag
msgs = [(t, m) for t, _, ns, m in read_bag(sys.argv[1], ['/oneflow/action_chunk', '/oneflow/joint_trajectory'])]
c = [m for t, m in msgs if t == '/oneflow/action_chunk']
j = [m for t, m in msgs if t == '/oneflow/joint_trajectory']
print(json.dumps({'n': len(c), 'nj': len(j), 'seq': [int(x.seq) for x in c[:3]], 'names': list(c[0].names),
  'h': int(c[-1].horizon), 'len': len(c[-1].data), 'pts': len(j[-1].points), 'state': int(c[-1].watchdog_state)}))`,
      [outDir],
    ),
  );
  assert.equal(got.n, 48);
  assert.equal(got.nj, 48);
  assert.deepEqual(got.seq, [0, 1, 2]);
  assert.deepEqual(got.names, ['agent_x', 'agent_y']);
  assert.equal(got.len, got.h * 2);
  assert.equal(got.pts, got.h);
  assert.equal(got.state, 0);
});

test('a bag without a topic the model needs stops with a message naming the topic, the source and the bag topics', async () => {
  const dir = await editedFixture('nopose', (_t, ns, msg) => [{ logTimeNs: ns, msg }], ['/object_pose']);
  await assert.rejects(replayWithFake(dir), (e: unknown) => {
    assert.ok(e instanceof ReplayInputError);
    assert.match(
      e.message,
      /has no messages on \/object_pose \(geometry_msgs\/msg\/PoseStamped\), which model test_policy needs for its 'object_pose' input; topics in the bag: \/camera\/image_raw/,
    );
    return true;
  });
});

test('gaps, duplicate and out-of-order stamps are counted and named; the watchdog reacts to the gap', async () => {
  const T = (s: number) => 1700000000000000000n + BigInt(Math.round(s * 1e9));
  const dir = await editedFixture('messy', (topic, ns, msg) => {
    if (topic === '/joint_states') {
      if (ns >= T(1.0) && ns < T(2.0)) return null; // a 1.1 s gap
      if (ns === T(3.0))
        return [
          { logTimeNs: ns, msg },
          { logTimeNs: ns + 1n, msg },
        ]; // duplicate stamp
      if (ns === T(2.5)) return [{ logTimeNs: ns, raw: new Uint8Array([0, 1, 0, 0, 9, 9]) }]; // undecodable
      if (ns === T(4.0)) {
        const old = { ...msg, header: { ...msg.header, stamp: { sec: 1700000003, nanosec: 500_000_000 } } };
        return [{ logTimeNs: ns, msg: old }]; // stamped 0.5 s in the past
      }
    }
    return [{ logTimeNs: ns, msg }];
  });
  const s = await replayWithFake(dir);
  assert.equal(s.input.problems.gap, 1);
  assert.equal(s.input.problems.duplicate_stamp, 1);
  assert.equal(s.input.problems.out_of_order, 1);
  assert.equal(s.input.problems.decode_error, 1);
  const text = s.input.problem_examples.map((p) => p.message).join('\n');
  assert.match(text, /\/joint_states: no message for 1\.100 s after 1700000000\.900000000 s/);
  assert.match(text, /\/joint_states at 1700000002\.500000000 s: cannot decode 6 bytes as sensor_msgs\/msg\/JointState/);
  assert.match(text, /\/joint_states: duplicate header stamp 1700000003\.000000000 s/);
  assert.match(text, /\/joint_states: header stamp 1700000003\.500000000 s is 0\.400 s earlier than the previous 1700000003\.900000000 s/);
  assert.ok(s.ticks.by_outcome.stale_input! > 0, JSON.stringify(s.ticks));
  assert.ok(
    s.watchdog.transitions.some((t) => t.from === 'RUNNING' && t.outcome === 'stale_input'),
    JSON.stringify(s.watchdog),
  );
  assert.equal(s.watchdog.final_state, 'RUNNING');
});

test('topics the node does not use are copied as they are, schema encoding included (ros2idl, unknown types)', async () => {
  const src = await BagReader.open(FIXTURE_BAG);
  const dir = join(tempDir(), 'extra');
  const w = await BagWriter.create(dir);
  for (const t of src.topics) await w.addTopic(t.topic, t.type);
  await w.addTopic('/diag', 'acme_msgs/msg/Diag', {
    definition: 'module acme_msgs { module msg { struct Diag { double v; }; }; };',
    schemaEncoding: 'ros2idl',
  });
  let first = true;
  for await (const m of src.messages()) {
    await w.writeRaw(m.topic, m.logTimeNs, m.data);
    if (first) await w.writeRaw('/diag', m.logTimeNs, new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]));
    first = false;
  }
  await w.close();
  const outDir = join(tempDir(), 'out');
  const s = await replayWithFake(dir, outDir);
  assert.equal(s.ticks.by_outcome.ok, 48);
  assert.equal(s.input.messages_per_topic['/diag'], 1);
  const out = await BagReader.open(outDir);
  const diag = out.topic('/diag')!;
  assert.equal(diag.schemaEncoding, 'ros2idl');
  assert.equal(diag.messageCount, 1);
  assert.throws(() => out.codecFor('/diag'), /unknown type 'acme_msgs\/msg\/Diag' with a 'ros2idl' schema/);
});
