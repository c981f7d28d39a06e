// The onnxruntime worker with fixture models (test/fixtures/models, made by test/fixtures/make_fixture_models.py):
// parity with the Python-computed vectors, a deadline seen while the worker still computes (slow.onnx), NaN output
// refused by the node (nan.onnx), an image policy end to end, and contract refusals before any session exists.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { validateConfig } from '../../src/config/validateConfig.js';
import { createNode } from '../../src/node/createNode.js';
import { OnnxPolicy } from '../../src/policy/onnxPolicy.js';
import { image, jointState, MS, pose } from '../unit/helpers.js';

const MODELS = new URL('../../../test/fixtures/models/', import.meta.url);
const model = (name: string): string => new URL(name, MODELS).pathname;
type Vector = {
  tolerance?: number;
  tolerance_px?: number;
  inputs: Record<string, { data?: number[]; formula?: string; shape: number[] }>;
  action: { data: number[] };
};
const vector = (name: string): Vector => JSON.parse(readFileSync(new URL(name, MODELS), 'utf8')) as Vector;

const opened: OnnxPolicy[] = [];
async function open(name: string, warmupRuns = 2): Promise<OnnxPolicy> {
  const p = await OnnxPolicy.create({ modelPath: model(name), warmupRuns });
  opened.push(p);
  return p;
}
after(async () => {
  await Promise.all(opened.map((p) => p.close()));
});

test('tiny_onestep: spec from the metadata and output equal to the Python vector', async () => {
  const p = await open('tiny_onestep.onnx');
  assert.equal(p.spec.nObsSteps, 2);
  assert.deepEqual(p.spec.actionNames, ['agent_x', 'agent_y']);
  assert.match(p.spec.modelId, /^[0-9a-f]{16}$/);
  assert.ok(p.warmupSec.length === 2);
  const v = vector('tiny_onestep.expected.json');
  const r = await p.infer({ state: Float32Array.from(v.inputs['state']!.data!), image: null, noise: Float32Array.from(v.inputs['noise']!.data!) }, 5);
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.ok(r.inferenceSec > 0 && r.inferenceSec < 1);
  const tol = v.tolerance_px ?? v.tolerance ?? 1e-3; // absolute, robot units (px)
  v.action.data.forEach((x, i) => assert.ok(Math.abs(r.action[i]! - x) <= tol, `action[${i}] ${r.action[i]} vs ${x} (tolerance ${tol})`));
});

test('tiny_image_onestep: the uint8 image input reaches the graph (Python vector)', async () => {
  const p = await open('tiny_image_onestep.onnx');
  const v = vector('tiny_image_onestep.expected.json');
  assert.equal(v.inputs['image']!.formula, 'flat_index % 251');
  const img = new Uint8Array(2 * 96 * 96 * 3).map((_, i) => i % 251);
  const r = await p.infer({ state: Float32Array.from(v.inputs['state']!.data!), image: img, noise: Float32Array.from(v.inputs['noise']!.data!) }, 5);
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  const tol = v.tolerance_px ?? v.tolerance ?? 1e-3; // absolute, robot units (px)
  v.action.data.forEach((x, i) => assert.ok(Math.abs(r.action[i]! - x) <= tol, `action[${i}] ${r.action[i]} vs ${x} (tolerance ${tol})`));
});

test('slow: the main thread sees the deadline pass while the worker computes, then refuses calls until it is done', async () => {
  const p = await open('slow.onnx', 0);
  const input = { state: new Float32Array(10).fill(100), image: null, noise: new Float32Array(32) };
  // The event loop keeps turning during inference: callbacks queued after the call starts run before it resolves
  // (a native run() on this thread would hold them until after). Counted, not timed: load cannot make this flaky.
  let turns = 0;
  const spin = (): void => {
    turns++;
    if (pending) setImmediate(spin);
  };
  let pending = true;
  const t0 = process.hrtime.bigint();
  const call = p.infer(input, 0.03);
  setImmediate(spin);
  const r = await call;
  pending = false;
  const waitedSec = Number(process.hrtime.bigint() - t0) / 1e9;
  assert.equal(r.kind, 'deadline_miss');
  assert.ok(r.kind === 'deadline_miss' && r.busy);
  assert.ok(waitedSec >= 0.029 && waitedSec < 0.25, `returned after ${waitedSec} s for a 0.03 s budget`);
  assert.ok(turns >= 3, `the event loop turned ${turns} times during inference`);
  assert.equal(p.busy, true);
  const second = await p.infer(input, 0.03);
  assert.deepEqual(second, { kind: 'deadline_miss', elapsedSec: 0, busy: true });
  while (p.busy) await new Promise((r) => setTimeout(r, 10));
  const third = await p.infer(input, 10);
  assert.equal(third.kind, 'ok');
});

test('nan: the node refuses the NaN chunk as invalid_output and falls back', async () => {
  const p = await open('nan.onnx');
  const node = createNode({ config: validateConfig({ modelPath: model('nan.onnx'), recoveryTicks: 1, holdPosition: [256, 256] }), policy: p });
  node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(0n, ['agent_x', 'agent_y'], [10, 20]), 0n);
  node.onMessage('/object_pose', 'geometry_msgs/msg/PoseStamped', pose(0n, 300, 300, 0.7), 0n);
  const r = await node.tick(5n * MS);
  assert.equal(r.outcome, 'invalid_output');
  assert.match(r.detail, /is NaN/);
  assert.equal(r.state, 'SAFE');
  assert.deepEqual([...r.chunk!.data], [256, 256]);
});

test('image policy end to end through the node: camera frames of another size and encoding are resized and fed', async () => {
  const p = await open('tiny_image_onestep.onnx');
  const node = createNode({ config: validateConfig({ modelPath: model('tiny_image_onestep.onnx'), recoveryTicks: 1 }), policy: p });
  for (let k = 0; k < 3; k++) {
    const t = BigInt(k) * 100n * MS;
    assert.equal(node.onMessage('/camera/image_raw', 'sensor_msgs/msg/Image', image(t, 160, 120, 'bgr8'), t).kind, 'accepted');
    node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', jointState(t, ['agent_x', 'agent_y'], [200, 210]), t);
  }
  const r = await node.tick(205n * MS);
  assert.equal(r.outcome, 'ok', r.detail);
  assert.equal(r.state, 'RUNNING');
  assert.ok(r.inferenceSec! > 0);
  assert.equal(r.chunk!.horizon, 14);
});

test('contract refusals happen before any worker starts: missing file, no metadata, wrong state shape', async () => {
  await assert.rejects(OnnxPolicy.create({ modelPath: model('does_not_exist.onnx') }), /cannot read ONNX model/);
  await assert.rejects(OnnxPolicy.create({ modelPath: model('no_metadata.onnx') }), /oneflow\.policy/);
  await assert.rejects(OnnxPolicy.create({ modelPath: model('bad_state_shape.onnx') }), /state/);
});
