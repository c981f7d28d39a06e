// src/onnx reader: signature, metadata, parameter count and FLOPs of the fixture models (expected numbers are
// derived independently in Python by test/fixtures/make_fixture_models.py → manifest.json), and clear errors for
// corrupt, truncated and non-ONNX files. Regenerate fixtures: .venv/bin/python test/fixtures/make_fixture_models.py
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkContract, OnnxFormatError, parseOnnxModel, readOnnxModel } from '../../src/onnx/index.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'models');
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Record<
  string,
  { parameterCount: number; flopsPerInference: number; flopsRelTolerance: number; flopsSource: string }
>;

describe('readOnnxModel on fixtures', () => {
  it('reads the one-step fixture: signature, metadata, file facts', async () => {
    const m = await readOnnxModel(join(FIXTURES, 'tiny_onestep.onnx'));
    assert.deepEqual(
      m.inputs.map((i) => [i.name, i.elemType, i.shape]),
      [
        ['state', 'float32', [1, 2, 5]],
        ['noise', 'float32', [1, 1, 16, 2]],
      ],
    );
    assert.deepEqual(
      m.outputs.map((o) => [o.name, o.elemType, o.shape]),
      [['action', 'float32', [1, 16, 2]]],
    );
    assert.equal(m.policyError, null);
    assert.equal(m.policy?.schema_version, 1);
    assert.equal(m.policy?.network_calls_per_inference, 1);
    assert.deepEqual(m.policy?.noise.shape, [1, 1, 16, 2]);
    assert.equal(m.opsetImports[0]?.version, 17);
    assert.equal(m.fileSizeBytes, readFileSync(join(FIXTURES, 'tiny_onestep.onnx')).length);
    assert.match(m.sha256, /^[0-9a-f]{64}$/);
  });

  for (const [name, expected] of Object.entries(manifest)) {
    it(`${name}: parameter count and FLOPs match the Python manifest (${expected.flopsSource})`, async () => {
      const m = await readOnnxModel(join(FIXTURES, `${name}.onnx`));
      assert.equal(m.parameterCount, expected.parameterCount);
      const rel = Math.abs(m.flops.total - expected.flopsPerInference) / expected.flopsPerInference;
      assert.ok(rel <= expected.flopsRelTolerance, `FLOPs ${m.flops.total} vs ${expected.flopsPerInference} (rel ${rel})`);
      assert.deepEqual(m.flops.unresolved, []);
    });
  }

  it('counts a Loop body times its trip count', async () => {
    const m = await readOnnxModel(join(FIXTURES, 'handmade_loop.onnx'));
    assert.equal(m.flops.loops.length, 1);
    assert.equal(m.flops.loops[0]?.tripCount, 100);
    assert.equal(m.flops.loops[0]?.bodyFlops, 2 * 16 * 2 * 2);
    assert.equal(m.policy?.network_calls_per_inference, 100);
  });

  it('real exports: DDPM-100 costs 100 UNet calls, DDIM-16 16, the one-step student 1', async () => {
    const [ddpm, ddim, one] = await Promise.all(['tiny_ddpm100', 'tiny_ddim16', 'tiny_onestep'].map((n) => readOnnxModel(join(FIXTURES, `${n}.onnx`))));
    assert.equal(ddpm!.flops.loops[0]?.tripCount, 100);
    assert.equal(ddim!.flops.loops[0]?.tripCount, 16);
    assert.equal(ddpm!.flops.loops[0]?.bodyFlops, ddim!.flops.loops[0]?.bodyFlops);
    const ratio = ddpm!.flops.total / one!.flops.total;
    assert.ok(ratio > 95 && ratio < 105, `DDPM-100 / one-step FLOPs = ${ratio}`);
    assert.ok(ddpm!.fileSizeBytes < 1.1 * ddim!.fileSizeBytes, 'the sampler is a Loop, not 100 unrolled UNets');
  });

  it('reads the image fixture with a uint8 image input', async () => {
    const m = await readOnnxModel(join(FIXTURES, 'tiny_image_onestep.onnx'));
    assert.deepEqual(
      m.inputs.find((i) => i.name === 'image'),
      { name: 'image', elemType: 'uint8', shape: [1, 2, 96, 96, 3] },
    );
    assert.deepEqual(m.policy?.observation.image, { height: 96, width: 96, source: 'camera' });
    assert.deepEqual(m.inputs.find((i) => i.name === 'state')?.shape, [1, 2, 2]);
    assert.deepEqual(m.policy?.observation.state.names, ['agent_x', 'agent_y']);
    assert.ok((m.flops.byOpType['Conv'] ?? 0) > 0);
  });

  it('a model without oneflow.policy still parses; the contract check names the missing key', async () => {
    const m = await readOnnxModel(join(FIXTURES, 'no_metadata.onnx'));
    assert.equal(m.policy, null);
    assert.match(m.policyError ?? '', /oneflow\.policy.*missing/);
    assert.equal(checkContract(m)[0]?.field, 'metadata_props["oneflow.policy"]');
  });
});

describe('corrupt, truncated and non-ONNX files', () => {
  const good = readFileSync(join(FIXTURES, 'handmade_loop.onnx'));
  const cuts = [1, 2, 7, 64, 500, Math.floor(good.length / 2), good.length - 300, good.length - 1];
  for (const cut of cuts) {
    it(`truncated to ${cut} bytes: OnnxFormatError or a contract mismatch, never another exception`, () => {
      try {
        const m = parseOnnxModel(good.subarray(0, cut), `cut${cut}`);
        assert.ok(checkContract(m).length > 0, 'a truncated model must not pass the contract');
      } catch (err) {
        assert.ok(err instanceof OnnxFormatError, `got ${String(err)}`);
        assert.match(err.message, /not (a valid ONNX ModelProto|an ONNX model)/);
        assert.match(err.message, /\[file=cut\d+\]/);
      }
    });
  }

  const junk: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('hello, this is not a model\n')],
    ['json', new TextEncoder().encode('{"schema_version": 1}')],
    ['png header', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
    ['zeros', new Uint8Array(4096)],
    ['0xff bytes', new Uint8Array(4096).fill(0xff)],
    ['seeded random', seededBytes(8192, 7)],
  ];
  for (const [label, bytes] of junk) {
    it(`${label}: OnnxFormatError with a clear message`, () => {
      assert.throws(
        () => parseOnnxModel(bytes, label),
        (err: unknown) => {
          assert.ok(err instanceof OnnxFormatError, `got ${String(err)}`);
          assert.equal(err.code, 'ONNX_FORMAT');
          assert.match(err.message, /not (a valid ONNX ModelProto|an ONNX model)/);
          return true;
        },
      );
    });
  }

  it('byte flips inside the file never crash the reader', () => {
    const rnd = seededBytes(64, 3);
    for (let k = 0; k < rnd.length; k++) {
      const bad = Uint8Array.from(good);
      const at = Math.floor((rnd[k]! / 256) * bad.length);
      bad[at] = bad[at]! ^ 0x5a;
      try {
        parseOnnxModel(bad, 'flipped');
      } catch (err) {
        assert.ok(err instanceof OnnxFormatError, `flip at ${at}: got ${String(err)}`);
      }
    }
  });

  it('missing file, directory: OnnxFormatError naming the path', async () => {
    await assert.rejects(readOnnxModel('/nonexistent/model.onnx'), /cannot read ONNX model: .*ENOENT.*\[file=\/nonexistent\/model\.onnx\]/);
    const dir = mkdtempSync(join(tmpdir(), 'onnx-'));
    await assert.rejects(readOnnxModel(dir), /not a regular file/);
    writeFileSync(join(dir, 'x.onnx'), 'nope');
    await assert.rejects(readOnnxModel(join(dir, 'x.onnx')), OnnxFormatError);
  });
});

/** Deterministic pseudo-random bytes (xorshift32) so failures reproduce. */
function seededBytes(n: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
