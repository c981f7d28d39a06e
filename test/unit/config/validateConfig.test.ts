import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/validateConfig.js';
import { ConfigError } from '../../../src/errors.js';

test('defaults: frozen, deadline = 0.8 of the period, topics from the team brief', () => {
  const c = validateConfig({ modelPath: 'm.onnx', controlRateHz: 50 });
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.topics));
  assert.equal(c.deadlineSec, 0.8 / 50);
  assert.equal(c.topics.jointStates, '/joint_states');
  assert.equal(c.topics.actionChunk, '/oneflow/action_chunk');
  assert.equal(c.executionMode, 'receding_horizon');
  assert.throws(() => {
    (c as { controlRateHz: number }).controlRateHz = 1;
  }, TypeError);
});

// [field, bad value, message fragment naming the allowed range]
const BAD: [string, unknown, RegExp][] = [
  ['controlRateHz', 0, /controlRateHz must be a number in \(0, 1000\], got 0/],
  ['controlRateHz', 2000, /\(0, 1000\], got 2000/],
  ['deadlineSec', 0.2, /deadlineSec must be a number in \(0, 0\.1\], got 0\.2/],
  ['maxObservationAgeSec', -1, /maxObservationAgeSec must be a number in \(0, 60\], got -1/],
  ['executionMode', 'fastest', /executionMode must be one of receding_horizon \| dp \| temporal_ensembling, got 'fastest'/],
  ['noiseSeed', 1.5, /noiseSeed must be an integer in \[0, 4294967295\], got 1\.5/],
  ['recoveryTicks', 0, /recoveryTicks must be an integer in \[1, 10000\], got 0/],
  ['metricsPort', 70000, /metricsPort must be an integer in \[0, 65535\], got 70000/],
  ['logLevel', 'loud', /logLevel must be one of trace/],
  ['intraOpThreads', 0, /intraOpThreads must be an integer in \[1, 64\]/],
  ['holdPosition', [1, NaN], /holdPosition must be null .* got \[1,null\]/],
  ['stateJointNames', ['a', 'a'], /stateJointNames must be null or a non-empty list of distinct/],
  ['modelPath', '', /modelPath must be a non-empty path/],
  ['controlRateHz', Number.NaN, /controlRateHz must be a number/],
];

for (const [field, value, re] of BAD) {
  test(`refuses ${field} = ${JSON.stringify(value)} naming the field, value and range`, () => {
    assert.throws(
      () => validateConfig({ modelPath: 'm.onnx', controlRateHz: 10, [field]: value }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.code, 'CONFIG_INVALID');
        assert.equal(err.field, field);
        assert.match(err.message, re);
        return true;
      },
    );
  });
}

test('every invalid field is reported at once; bad topic names too', () => {
  try {
    validateConfig({ modelPath: 'm', controlRateHz: -1, recoveryTicks: -1, topics: { camera: 'has space' } });
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(
      err.problems.map((p) => p.field),
      ['controlRateHz', 'topics.camera', 'recoveryTicks'],
    );
  }
});
