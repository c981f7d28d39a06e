// Issue 18 item 4: a hold built from measured joints passes the same action-bounds check as every published point.
// A finite but absurd joint reading (1e6, −50) is flagged and never commanded; a plausible one is held.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/validateConfig.js';
import type { ActionChunk } from '../../../src/msgs/types.js';
import { createNode } from '../../../src/node/createNode.js';
import { FakePolicy, testPolicySpec } from '../../../src/policy/fakePolicy.js';
import { MemoryLogger } from '../../../src/telemetry/logger.js';
import { jointState, MS, pose } from '../helpers.js';

function start(x: number, y: number) {
  const chunks: ActionChunk[] = [];
  const logger = new MemoryLogger();
  const node = createNode({
    config: validateConfig({ modelPath: 'fake.onnx', recoveryTicks: 3 }),
    policy: new FakePolicy(testPolicySpec()),
    logger,
    sinks: { publishChunk: (m) => chunks.push(m), publishTrajectory: () => {} },
  });
  node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(0n, ['agent_x', 'agent_y'], [x, y]), 0n);
  node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(0n, 300, 300, 0.5), 0n);
  return { node, chunks, logger };
}

test('absurd measured joints (1e6, -50) are not commanded as the SAFE hold; the tick says why', async () => {
  const { node, chunks, logger } = start(1e6, -50);
  const r = await node.tick(5n * MS);
  assert.equal(r.state, 'SAFE');
  assert.equal(r.chunk, null, `published ${JSON.stringify(r.chunk && [...r.chunk.data])}`);
  assert.equal(chunks.length, 0);
  assert.match(r.detail, /hold not published: measured agent_x = 1000000 outside \[0, 512\]/);
  assert.ok(
    logger.records.some((l) => l.level === 'warn' && /measured agent_x/.test(String(l.fields['detail']))),
    'a warning is logged',
  );
});

test('plausible measured joints are held (the bounds check lets valid holds through)', async () => {
  const { node } = start(200, 300);
  const r = await node.tick(5n * MS);
  assert.equal(r.state, 'SAFE');
  assert.deepEqual([...r.chunk!.data], [200, 300]);
  assert.equal(r.chunk!.fallback, true);
});
