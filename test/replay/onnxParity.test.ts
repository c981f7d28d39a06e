// Replay with real ONNX fixture models: bit-identical run to run, and equal to onnxruntime in Python fed
// observations rebuilt independently from the input bag and the Python twin of the node's noise (≤ 1e-5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BagReader } from '../../src/bag/bagReader.js';
import { BagWriter } from '../../src/bag/bagWriter.js';
import { loadOnnxPolicy } from '../../src/cli/loadOnnxPolicy.js';
import { withoutDeadline } from '../../src/bag/offlineBudget.js';
import { runReplay, type ReplaySummary } from '../../src/bag/replayRunner.js';
import { SimClock } from '../../src/bag/simClock.js';
import { validateConfig } from '../../src/config/validateConfig.js';
import { createNode } from '../../src/node/createNode.js';
import { HAVE_PYTHON, python, tempDir } from '../bag/helpers.js';
import { FIXTURE_BAG } from './helpers.js';

const MODELS = 'test/fixtures/models';

async function replayOnnx(model: string, outDir: string, seed: number): Promise<ReplaySummary> {
  const config = validateConfig({ modelPath: model.includes('/') ? model : join(MODELS, model), noiseSeed: seed, metricsPort: 0, warmupRuns: 1 });
  // --no-deadline: a loaded CI machine must not turn a tick into a deadline miss (that would change the bag).
  const node = createNode({ config, policy: withoutDeadline(await loadOnnxPolicy(config)), clock: new SimClock(0n) });
  const out = await BagWriter.create(outDir);
  try {
    return await runReplay({ bag: await BagReader.open(FIXTURE_BAG), node, clock: new SimClock(0n), out });
  } finally {
    await out.close();
    await node.close();
  }
}

type Parity = { chunks_compared: number; rows_compared: number; max_abs_diff: number; max_abs_diff_normalised: number };

function parity(outDir: string, model: string, seed: number): Parity {
  const code = `import sys, json
from oneflow_train.replay_parity import replay_parity
print(json.dumps(replay_parity(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])).to_dict()))`;
  return JSON.parse(python(code, [FIXTURE_BAG, outDir, model.includes('/') ? model : join(MODELS, model), String(seed)]));
}

test('state policy: bit-identical output bags run to run; equal to onnxruntime in Python within 1e-5', async () => {
  const a = join(tempDir(), 'onnx');
  const b = join(tempDir(), 'onnx');
  const s = await replayOnnx('tiny_onestep.onnx', a, 5);
  await replayOnnx('tiny_onestep.onnx', b, 5);
  assert.equal(s.ticks.by_outcome.ok, 48);
  assert.ok(readFileSync(join(a, 'onnx_0.mcap')).equals(readFileSync(join(b, 'onnx_0.mcap'))), 'output bags differ');
  const c = join(tempDir(), 'onnx');
  await replayOnnx('tiny_onestep.onnx', c, 6);
  assert.ok(!readFileSync(join(a, 'onnx_0.mcap')).equals(readFileSync(join(c, 'onnx_0.mcap'))), 'the seed must change the output');
  if (!HAVE_PYTHON) return;
  const p = parity(a, 'tiny_onestep.onnx', 5);
  assert.equal(p.chunks_compared, 46); // 48 ticks − 2 SAFE holds
  assert.ok(p.max_abs_diff <= 1e-5, `max |TS − Python| = ${p.max_abs_diff}`);
});

test('image policy: the camera path equals onnxruntime in Python within 1e-5', { skip: !HAVE_PYTHON && 'no .venv' }, async () => {
  const a = join(tempDir(), 'img');
  const s = await replayOnnx('tiny_image_onestep.onnx', a, 0);
  assert.equal(s.ticks.by_outcome.ok, 48);
  const p = parity(a, 'tiny_image_onestep.onnx', 0);
  assert.equal(p.chunks_compared, 46);
  // With the node's threading (1 intra-op thread) on both sides the conv reductions run in the same order; with
  // Python's default threads the difference was a few float32 ulps (1.2e-4 px, 4.8e-7 normalised).
  assert.ok(p.max_abs_diff <= 1e-5, `max |TS − Python| = ${p.max_abs_diff} px`);
  assert.ok(p.max_abs_diff_normalised <= 1e-5);
});

const SHIPPED_STUDENT = 'models/pusht_image_student_cpu_onestep.onnx';

test(
  'the shipped image student on a shipped bag: byte-identical run to run, equal to onnxruntime in Python',
  { skip: !existsSync(SHIPPED_STUDENT) && `${SHIPPED_STUDENT} not shipped` },
  async () => {
    const a = join(tempDir(), 'shipped');
    const b = join(tempDir(), 'shipped');
    const s = await replayOnnx(SHIPPED_STUDENT, a, 0);
    await replayOnnx(SHIPPED_STUDENT, b, 0);
    assert.equal(s.ticks.by_outcome.ok, 48);
    assert.ok(readFileSync(join(a, 'shipped_0.mcap')).equals(readFileSync(join(b, 'shipped_0.mcap'))), 'output bags differ');
    if (!HAVE_PYTHON) return;
    const p = parity(a, SHIPPED_STUDENT, 0);
    assert.equal(p.chunks_compared, 46);
    assert.ok(p.max_abs_diff <= 1e-5, `max |TS − Python| = ${p.max_abs_diff} px`);
  },
);
