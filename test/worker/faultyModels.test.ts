// Broken models the worker must refuse (issue 18 items 3 and 5; fixtures from test/fixtures/make_fixture_models.py):
// an output whose runtime shape is not the declared [1,16,2] — checked on every call, not only at start-up — and a
// model whose inference never finishes, which must fail start-up within the start timeout, naming model and timeout.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { validateConfig } from '../../src/config/validateConfig.js';
import { ModelContractError } from '../../src/errors.js';
import { createNode } from '../../src/node/createNode.js';
import { OnnxPolicy } from '../../src/policy/onnxPolicy.js';
import { jointState, MS, pose } from '../unit/helpers.js';

const MODELS = new URL('../../../test/fixtures/models/', import.meta.url);
const model = (name: string): string => new URL(name, MODELS).pathname;

const opened: OnnxPolicy[] = [];
after(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

test('rows_by_state: a call whose real output is [1,8,2] or [1,17,2] instead of [1,16,2] is refused, every call', async () => {
  const p = await OnnxPolicy.create({ modelPath: model('rows_by_state.onnx'), warmupRuns: 1 });
  opened.push(p);
  const noise = new Float32Array(32);
  const call = (v: number) => p.infer({ state: new Float32Array(10).fill(v), image: null, noise }, 5);
  const ok = await call(100);
  assert.equal(ok.kind, 'ok');
  const short = await call(5000);
  assert.equal(short.kind, 'invalid_output');
  assert.match(short.kind === 'invalid_output' ? short.message : '', /output 'action' has shape \[1,8,2\], the contract declares \[1,16,2\]/);
  const long = await call(-5000);
  assert.equal(long.kind, 'invalid_output');
  assert.match(long.kind === 'invalid_output' ? long.message : '', /\[1,17,2\], the contract declares \[1,16,2\]/);
  assert.equal((await call(100)).kind, 'ok', 'a good call after a refused one is served again');
});

test('rows_by_state through the node: the short chunk is invalid_output, never published as ok', async () => {
  const p = await OnnxPolicy.create({ modelPath: model('rows_by_state.onnx'), warmupRuns: 1 });
  opened.push(p);
  const node = createNode({ config: validateConfig({ modelPath: model('rows_by_state.onnx'), recoveryTicks: 1, holdPosition: [256, 256] }), policy: p });
  node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(0n, ['agent_x', 'agent_y'], [5000, 5000]), 0n);
  node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(0n, 300, 300, 0.7), 0n);
  const r = await node.tick(5n * MS);
  assert.equal(r.outcome, 'invalid_output', r.detail);
  assert.match(r.detail, /\[1,8,2\]/);
  assert.equal(r.chunk!.fallback, true);
});

test('short_rows: an output of [1,8,2] at warm-up is a contract error at start-up', async () => {
  await assert.rejects(OnnxPolicy.create({ modelPath: model('short_rows.onnx'), warmupRuns: 1 }), (err: unknown) => {
    assert.ok(err instanceof ModelContractError, String(err));
    assert.match(err.message, /output\.action\.shape/);
    assert.match(err.message, /\[1,8,2\]/);
    assert.match(err.message, /short_rows\.onnx/);
    return true;
  });
});

test('endless: a model that never finishes fails start-up after the start timeout, naming model and timeout', async () => {
  const t0 = process.hrtime.bigint();
  await assert.rejects(OnnxPolicy.create({ modelPath: model('endless.onnx'), warmupRuns: 1, startTimeoutSec: 1 }), (err: unknown) => {
    assert.match(String(err), /not ready after 1 s \(start timeout\)/);
    assert.match(String(err), /endless\.onnx/);
    return true;
  });
  const waitedSec = Number(process.hrtime.bigint() - t0) / 1e9;
  assert.ok(waitedSec < 30, `create() returned after ${waitedSec} s`);
});
