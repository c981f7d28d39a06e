import { join } from 'node:path';
import { BagReader } from '../../src/bag/bagReader.js';
import { BagWriter } from '../../src/bag/bagWriter.js';
import { runReplay, type ReplaySummary } from '../../src/bag/replayRunner.js';
import { SimClock } from '../../src/bag/simClock.js';
import { validateConfig } from '../../src/config/validateConfig.js';
import { createNode } from '../../src/node/createNode.js';
import { FakePolicy, testPolicySpec } from '../../src/policy/fakePolicy.js';
import type { MessageTypeName } from '../../src/msgs/index.js';
import { tempDir } from '../bag/helpers.js';

export const FIXTURE_BAG = 'test/fixtures/bags/pusht_ep205';

/** Rewrites the fixture: `edit` returns the messages to write for each input message (decoded), or null to drop it. */
export async function editedFixture(
  name: string,
  edit: (topic: string, logTimeNs: bigint, msg: any) => { logTimeNs: bigint; msg?: any; raw?: Uint8Array }[] | null,
  skipTopics: string[] = [],
): Promise<string> {
  const src = await BagReader.open(FIXTURE_BAG);
  const dir = join(tempDir('oneflow-edit-'), name);
  const w = await BagWriter.create(dir);
  for (const t of src.topics) if (!skipTopics.includes(t.topic)) await w.addTopic(t.topic, t.type);
  const pending: { topic: string; type: string; logTimeNs: bigint; msg?: any; raw?: Uint8Array }[] = [];
  for await (const m of src.messages()) {
    if (skipTopics.includes(m.topic)) continue;
    const out = edit(m.topic, m.logTimeNs, src.codecFor(m.topic).decode(m.data)) ?? [];
    for (const o of out) pending.push({ topic: m.topic, type: m.type, ...o });
  }
  await src.close();
  pending.sort((a, b) => (a.logTimeNs < b.logTimeNs ? -1 : a.logTimeNs > b.logTimeNs ? 1 : 0));
  for (const p of pending) {
    if (p.raw !== undefined) await w.writeRaw(p.topic, p.logTimeNs, p.raw);
    else await w.write(p.topic, p.type as MessageTypeName, p.logTimeNs, p.msg);
  }
  await w.close();
  return dir;
}

/** Replay with the in-memory FakePolicy (holds the newest agent position): no onnxruntime needed. */
export async function replayWithFake(bagPath: string, outDir: string | null = null, seed = 0): Promise<ReplaySummary> {
  const bag = await BagReader.open(bagPath);
  const spec = testPolicySpec();
  const config = validateConfig({ modelPath: 'fake.onnx', noiseSeed: seed, metricsPort: 0 });
  const node = createNode({ config, policy: new FakePolicy(spec) });
  const out = outDir === null ? null : await BagWriter.create(outDir);
  const clock = new SimClock(0n);
  try {
    return await runReplay({ bag, node, clock, out });
  } finally {
    await out?.close();
    await node.close();
    await bag.close();
  }
}
