// onnxruntime-node (what the node runs) returns, for every fixture with an `<name>.expected.json` vector, the action
// onnxruntime (Python) computed at fixture time — the Loop-based DDPM/DDIM exports included. Regenerate vectors:
// .venv/bin/python test/fixtures/make_fixture_models.py
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'models');

type Vector = {
  model: string;
  tolerance_px: number;
  inputs: Record<string, { shape: number[]; dtype: string; data?: number[]; formula?: string }>;
  action: { shape: number[]; data: number[] };
};

function tensor(spec: Vector['inputs'][string]): ort.Tensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.dtype === 'uint8') {
    const data = new Uint8Array(n);
    for (let k = 0; k < n; k++) data[k] = k % 251; // formula "flat_index % 251"
    return new ort.Tensor('uint8', data, spec.shape);
  }
  return new ort.Tensor('float32', Float32Array.from(spec.data ?? []), spec.shape);
}

describe('onnxruntime-node runs the fixtures like Python onnxruntime', () => {
  for (const file of readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.expected.json'))
    .sort()) {
    it(file.replace('.expected.json', ''), async () => {
      const v = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Vector;
      const session = await ort.InferenceSession.create(join(FIXTURES, v.model), { intraOpNumThreads: 1, interOpNumThreads: 1 });
      try {
        const feeds = Object.fromEntries(Object.entries(v.inputs).map(([name, spec]) => [name, tensor(spec)]));
        const out = await session.run(feeds);
        const action = out['action'];
        assert.ok(action !== undefined);
        assert.deepEqual(action.dims, v.action.shape);
        const got = action.data as Float32Array;
        let worst = 0;
        v.action.data.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - got[i]!))));
        assert.ok(worst <= v.tolerance_px, `max |Δ| ${worst} px > ${v.tolerance_px}`);
      } finally {
        await session.release();
      }
    });
  }
});
