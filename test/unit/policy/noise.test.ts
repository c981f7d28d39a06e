import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fillGaussianNoise, noiseIndexOfStamp } from '../../../src/policy/noise.js';

const REFERENCE = new URL('../../../../test/fixtures/noise_reference.json', import.meta.url);
const STAMP_REFERENCE = new URL('../../../../test/fixtures/noise_stamp_reference.json', import.meta.url);

test('noise equals its numpy twin (test/fixtures/noise_reference.py) bit for bit', () => {
  const cases = JSON.parse(readFileSync(REFERENCE, 'utf8')) as { seed: number; call: number; values: number[] }[];
  assert.ok(cases.length >= 4);
  for (const { seed, call, values } of cases) {
    const out = new Float32Array(values.length);
    fillGaussianNoise(out, seed, call);
    assert.deepEqual([...out], values, `seed ${seed} call ${call}`);
  }
});

test('noise index of a stamp equals its numpy twin (test/fixtures/noise_reference.py)', () => {
  const cases = JSON.parse(readFileSync(STAMP_REFERENCE, 'utf8')) as { stampNs: string; index: number }[];
  assert.ok(cases.length >= 4);
  for (const { stampNs, index } of cases) assert.equal(noiseIndexOfStamp(BigInt(stampNs)), index, `t_obs ${stampNs} ns`);
});

test('deterministic per (seed, call); different calls and seeds differ', () => {
  const a = new Float32Array(64);
  const b = new Float32Array(64);
  fillGaussianNoise(a, 3, 10);
  fillGaussianNoise(b, 3, 10);
  assert.deepEqual(a, b);
  fillGaussianNoise(b, 3, 11);
  assert.notDeepEqual(a, b);
  fillGaussianNoise(b, 4, 10);
  assert.notDeepEqual(a, b);
});

test('standard normal: mean ≈ 0, variance ≈ 1, tails plausible over 200k draws', () => {
  const out = new Float32Array(2000);
  let n = 0;
  let sum = 0;
  let sq = 0;
  let beyond3 = 0;
  for (let call = 0; call < 100; call++) {
    fillGaussianNoise(out, 0, call);
    for (const z of out) {
      n++;
      sum += z;
      sq += z * z;
      if (Math.abs(z) > 3) beyond3++;
    }
  }
  const mean = sum / n;
  const variance = sq / n - mean * mean;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
  assert.ok(Math.abs(beyond3 / n - 0.0027) < 0.0008, `P(|z|>3) = ${beyond3 / n}`);
});
