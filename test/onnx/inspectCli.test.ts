// `oneflow inspect` end to end through the built CLI: JSON shape, exit codes, clear errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');
const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'models');
const inspect = (...args: string[]) => spawnSync(process.execPath, [CLI, 'inspect', ...args], { encoding: 'utf8' });

describe('oneflow inspect', () => {
  it('--json prints signature, metadata, parameters, FLOPs, size and sha256', () => {
    const r = inspect(join(FIXTURES, 'tiny_ddpm100.onnx'), '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(
      j.inputs.map((i: { name: string }) => i.name),
      ['state', 'noise'],
    );
    assert.equal(j.policy.network_calls_per_inference, 100);
    assert.equal(j.flopsPerInference, j.flops.total);
    assert.ok(j.flopsPerInference > 0 && j.parameterCount > 0 && j.fileSizeBytes > 0);
    assert.match(j.sha256, /^[0-9a-f]{64}$/);
    assert.equal(j.contract.ok, true);
  });

  it('human output names the loop and the contract verdict', () => {
    const r = inspect(join(FIXTURES, 'tiny_ddpm100.onnx'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /loop .*: 100 × /);
    assert.match(r.stdout, /contract +OK/);
  });

  it('exit 3 and the mismatch for a model that breaks the contract', () => {
    const r = inspect(join(FIXTURES, 'bad_state_shape.onnx'));
    assert.equal(r.status, 3);
    assert.match(r.stdout, /input\.state\.shape: expected \[1,2,5\], found \[1,2,4\]/);
  });

  it('exit 3 (model refused, docs/errors.md) and a one-line error for a non-ONNX file, exit 2 for bad usage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
    writeFileSync(join(dir, 'x.onnx'), 'definitely not protobuf');
    const r = inspect(join(dir, 'x.onnx'));
    assert.equal(r.status, 3);
    assert.match(r.stderr, /^oneflow inspect: not (a valid ONNX ModelProto|an ONNX model)/);
    assert.equal(inspect().status, 2);
  });
});
