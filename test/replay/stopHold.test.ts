// Issue 18 item 9 in replay: a replay stopped early (Ctrl-C / SIGTERM → shouldStop) writes one hold into the output
// bag after its last tick, as the live node publishes on stop, and the bag is still complete.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { BagReader } from '../../src/bag/bagReader.js';
import { BagWriter } from '../../src/bag/bagWriter.js';
import { runReplay } from '../../src/bag/replayRunner.js';
import { SimClock } from '../../src/bag/simClock.js';
import { validateConfig } from '../../src/config/validateConfig.js';
import type { ActionChunk } from '../../src/msgs/index.js';
import { createNode } from '../../src/node/createNode.js';
import { FakePolicy, testPolicySpec } from '../../src/policy/fakePolicy.js';
import { tempDir } from '../bag/helpers.js';
import { FIXTURE_BAG } from './helpers.js';

test('interrupted replay: the last ActionChunk in the output bag is one hold at the stop time', async () => {
  const bag = await BagReader.open(FIXTURE_BAG);
  const node = createNode({ config: validateConfig({ modelPath: 'fake.onnx', metricsPort: 0 }), policy: new FakePolicy(testPolicySpec()) });
  const outDir = join(tempDir(), 'out');
  const out = await BagWriter.create(outDir);
  const clock = new SimClock(0n);
  let ticks = 0;
  let s;
  try {
    s = await runReplay({ bag, node, clock, out, onTick: () => void ticks++, shouldStop: () => ticks >= 10 });
  } finally {
    await out.close();
    await node.close();
  }
  assert.equal(s.interrupted, true);
  assert.equal(s.ticks.total, 10);
  assert.equal(s.published.chunks, 11, '10 ticks + the stop hold');
  const written: { t: bigint; c: ActionChunk }[] = [];
  const r = await BagReader.open(outDir);
  for await (const m of r.messages(['/oneflow/action_chunk'])) written.push({ t: m.logTimeNs, c: r.codecFor(m.topic).decode(m.data) as ActionChunk });
  assert.equal(written.length, 11);
  const [prev, hold] = written.slice(-2);
  assert.equal(hold!.c.fallback, true);
  assert.equal(hold!.c.horizon, 1);
  assert.equal(hold!.t, prev!.t, 'stamped at the stop time, the last tick of the simulated clock');
  assert.equal(prev!.c.fallback, false);
  assert.deepEqual([...hold!.c.data], [prev!.c.data[0], prev!.c.data[1]], 'holds the point being commanded');
});
