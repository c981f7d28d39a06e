// The short decoder fuzz (the 10^6-input run and its figure: docs/node.md). Mutated payloads of every known type:
// the codec refuses with SchemaError only, the observation decoders return verdicts, nothing else is thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDecoderFuzz } from '../../src/fuzz/decoderFuzz.js';

test('decoder fuzz, 20 000 inputs: 0 uncaught throws; both refusals and decodes happen', () => {
  const r = runDecoderFuzz(20_000, 7);
  assert.deepEqual(r.examples, []);
  assert.equal(r.uncaught, 0);
  assert.equal(r.decoded + r.refused, 20_000);
  assert.ok(r.refused > 1000 && r.decoded > 1000, `refused ${r.refused}, decoded ${r.decoded}`);
  assert.ok(r.rejectedByObservation > 0, 'some decoded messages are refused by the observation decoders');
});
