// Issue 18: faulty bags that once crashed, hung or mislabelled a replay; each is built here with our own writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BagReader } from '../../src/bag/bagReader.js';
import { tempDir } from '../bag/helpers.js';
import { editedFixture, replayWithFake } from './helpers.js';

const YEAR_NS = 365n * 86_400n * 1_000_000_000n;

test('one JointState logged a year late and one logged at t≈0: the tick grid covers the data, both are skipped and counted', async () => {
  let seen = 0;
  const bag = await editedFixture('outliers', (topic, ns, msg) => {
    if (topic !== '/joint_states') return [{ logTimeNs: ns, msg }];
    seen += 1;
    if (seen === 10) return [{ logTimeNs: ns, msg }, { logTimeNs: ns + YEAR_NS, msg }];
    if (seen === 20) return [{ logTimeNs: ns, msg }, { logTimeNs: 1n, msg }];
    return [{ logTimeNs: ns, msg }];
  });
  const outDir = join(tempDir(), 'out');
  const s = await replayWithFake(bag, outDir);
  assert.equal(s.ticks.total, 48); // as the clean fixture: the grid spans the 4.9 s of data, not a year
  assert.equal(s.ticks.by_outcome.ok, 48);
  assert.equal(s.first_tick_ns, '1700000000100000000');
  assert.equal(s.bag_start_ns, '1700000000000000000');
  assert.equal(s.input.problems.log_time_outlier, 2);
  const examples = s.input.problem_examples.filter((p) => p.kind === 'log_time_outlier').map((p) => p.message);
  assert.match(examples.join('\n'), /\/joint_states at 0\.000000001 s: log time is 1699999999\.999999999 s before the replayed data \(1700000000\.000000000 s … 1700000004\.800000000 s\); skipped/);
  assert.match(examples.join('\n'), /\/joint_states at 1731536000\.900000000 s: log time is 31535996\.100000000 s after the replayed data/);
  const out = await BagReader.open(outDir);
  assert.equal(out.topic('/joint_states')?.messageCount, 49); // the outliers are not copied either
});
