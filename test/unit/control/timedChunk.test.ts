import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TemporalEnsemble } from '../../../src/control/temporalEnsemble.js';
import { chunkFromAction, commandedAt, dropDue, rowTimeNs, valueAt } from '../../../src/control/timedChunk.js';
import { validateAction } from '../../../src/control/validateAction.js';

const DT = 100_000_000n;

test('chunkFromAction indexes rows at t_obs + (k + offset)·dt and dropDue removes due rows', () => {
  const action = Float32Array.from({ length: 8 }, (_, i) => i); // 4 rows × 2
  const c = chunkFromAction(action, 2, 0, 4, 1_000_000_000n, DT, -1);
  assert.equal(rowTimeNs(c, 0), 900_000_000n);
  assert.equal(rowTimeNs(c, 3), 1_200_000_000n);
  const d = dropDue(c, 1_000_000_000n); // rows at 0.9 and 1.0 s are due (≤ now)
  assert.deepEqual([d.firstStepOffset, d.rows, [...d.data]], [1, 2, [4, 5, 6, 7]]);
  assert.equal(rowTimeNs(d, 0), 1_100_000_000n);
  assert.equal(dropDue(c, 2_000_000_000n).rows, 0);
  const w = chunkFromAction(action, 2, 1, 3, 0n, DT, -1);
  assert.deepEqual([w.firstStepOffset, [...w.data]], [0, [2, 3, 4, 5]]);
});

test('valueAt interpolates inside the chunk only; commandedAt gives the last due row', () => {
  const c = chunkFromAction(Float32Array.from([0, 0, 10, 20, 20, 40]), 2, 0, 3, 0n, DT, 0);
  const v = new Float64Array(2);
  assert.equal(valueAt(c, 150_000_000n, v), true);
  assert.deepEqual([...v], [15, 30]);
  assert.equal(valueAt(c, 250_000_000n, v), false);
  assert.equal(commandedAt(c, 150_000_000n, v), true);
  assert.deepEqual([...v], [10, 20]);
  assert.equal(commandedAt(c, -5n, v), true);
  assert.deepEqual([...v], [0, 0]);
});

test("temporal ensembling weights exp(−m·i), oldest chunk i = 0, on the newest chunk's grid", () => {
  const e = new TemporalEnsemble(Math.log(2), 16); // weights 1, 1/2, 1/4 …
  const a = chunkFromAction(Float32Array.from([0, 0, 0, 0]), 1, 0, 4, 0n, DT, 0); // rows at 0…0.3 s = 0
  const first = e.add(a, 0n);
  assert.deepEqual([...first.data], [0, 0, 0, 0]);
  const b = chunkFromAction(Float32Array.from([30, 30, 30, 30]), 1, 0, 4, DT, DT, 0); // rows at 0.1…0.4 s = 30
  const out = e.add(b, DT);
  // rows 0.1–0.3 s: (1·0 + 0.5·30) / 1.5 = 10; row 0.4 s only covered by b → 30
  assert.deepEqual(
    [...out.data].map((x) => Math.round(x * 1e9) / 1e9),
    [10, 10, 10, 30],
  );
  assert.equal(e.size, 2);
  e.clear();
  assert.equal(e.size, 0);
});

test('validateAction refuses NaN, Inf and out-of-bounds values, naming the element', () => {
  assert.equal(validateAction(Float32Array.from([1, 2, 3, 4]), 2, [0, 0], [10, 10]), null);
  assert.match(validateAction(Float32Array.from([1, 2, NaN, 4]), 2, [0, 0], [10, 10])!, /action\[1\]\[0\] is NaN/);
  assert.match(validateAction(Float32Array.from([1, Infinity]), 2, [0, 0], [10, 10])!, /Infinity/);
  assert.match(validateAction(Float32Array.from([1, 11]), 2, [0, 0], [10, 10])!, /= 11 outside \[0, 10\]/);
  assert.match(validateAction(Float32Array.from([-0.5, 1]), 2, [0, 0], [10, 10])!, /action\[0\]\[0\]/);
});
