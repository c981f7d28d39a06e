// Issue 18: faulty bags that once crashed, hung or mislabelled a replay; each is built here with our own writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BagReader } from '../../src/bag/bagReader.js';
import { BagError } from '../../src/bag/errors.js';
import { ReplayInputError } from '../../src/bag/replayRunner.js';
import { tempDir } from '../bag/helpers.js';
import { editedFixture, replayWithFake } from './helpers.js';

const YEAR_NS = 365n * 86_400n * 1_000_000_000n;

test('one JointState logged a year late and one logged at t≈0: the tick grid covers the data, both are skipped and counted', async () => {
  let seen = 0;
  const bag = await editedFixture('outliers', (topic, ns, msg) => {
    if (topic !== '/joint_states') return [{ logTimeNs: ns, msg }];
    seen += 1;
    if (seen === 10)
      return [
        { logTimeNs: ns, msg },
        { logTimeNs: ns + YEAR_NS, msg },
      ];
    if (seen === 20)
      return [
        { logTimeNs: ns, msg },
        { logTimeNs: 1n, msg },
      ];
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
  assert.match(
    examples.join('\n'),
    /\/joint_states at 0\.000000001 s: log time is 1699999999\.999999999 s before the replayed data \(1700000000\.000000000 s … 1700000004\.800000000 s\); skipped/,
  );
  assert.match(examples.join('\n'), /\/joint_states at 1731536000\.900000000 s: log time is 31535996\.100000000 s after the replayed data/);
  const out = await BagReader.open(outDir);
  assert.equal(out.topic('/joint_states')?.messageCount, 49); // the outliers are not copied either
});

test('a bag cut before its first complete chunk is reported as truncated, not as "topics in the bag: none"', async () => {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const path = join(tempDir(), 'stub.mcap');
  writeFileSync(path, readFileSync('test/fixtures/bags/pusht_ep205/pusht_ep205.mcap').subarray(0, 2000));
  await assert.rejects(replayWithFake(path), (e: unknown) => {
    assert.ok(e instanceof ReplayInputError, String(e));
    assert.match(
      (e as Error).message,
      /has no messages on \/joint_states .*; the bag is truncated: .*stub\.mcap is truncated or its index is damaged .*recovered 0 messages/,
    );
    assert.doesNotMatch((e as Error).message, /topics in the bag: none/);
    return true;
  });
});

test('a multi-file bag whose files overlap in time is refused at open, naming both files and their time ranges', async () => {
  const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs');
  const dir = join(tempDir(), 'split');
  mkdirSync(dir);
  copyFileSync('test/fixtures/bags/pusht_ep205/pusht_ep205.mcap', join(dir, 'a_0.mcap'));
  copyFileSync('test/fixtures/bags/pusht_ep205/pusht_ep205.mcap', join(dir, 'a_1.mcap'));
  writeFileSync(join(dir, 'metadata.yaml'), 'rosbag2_bagfile_information:\n  relative_file_paths:\n    - a_0.mcap\n    - a_1.mcap\n');
  await assert.rejects(BagReader.open(dir), (e: unknown) => {
    assert.ok(e instanceof BagError, String(e));
    assert.match(
      (e as Error).message,
      /split: file a_1\.mcap \(1700000000\.000000000 s … 1700000004\.800000000 s\) overlaps a_0\.mcap \(1700000000\.000000000 s … 1700000004\.800000000 s\); .*2 files/,
    );
    return true;
  });
});

test('metadata.yaml that is a directory is refused in one line', async () => {
  const { copyFileSync, mkdirSync } = await import('node:fs');
  const dir = join(tempDir(), 'mdir');
  mkdirSync(join(dir, 'metadata.yaml'), { recursive: true });
  copyFileSync('test/fixtures/bags/pusht_ep205/pusht_ep205.mcap', join(dir, 'x.mcap'));
  await assert.rejects(BagReader.open(dir), /mdir\/metadata\.yaml is a directory, not rosbag2's metadata file; remove or rename it/);
});

test('--out at a file or under a file, or in a directory without write permission: one BagError naming the path', async () => {
  const { chmodSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { BagWriter } = await import('../../src/bag/bagWriter.js');
  const dir = tempDir();
  writeFileSync(join(dir, 'plain'), 'x');
  await assert.rejects(BagWriter.create(join(dir, 'plain')), /cannot create the output bag directory .*plain: it is a file; choose another --out/);
  await assert.rejects(
    BagWriter.create(join(dir, 'plain', 'sub')),
    /cannot create the output bag directory .*plain\/sub: .*plain is a file; choose another --out/,
  );
  if (process.getuid?.() !== 0) {
    mkdirSync(join(dir, 'ro'));
    chmodSync(join(dir, 'ro'), 0o500);
    await assert.rejects(BagWriter.create(join(dir, 'ro', 'out')), /cannot create the output bag directory .*ro\/out: permission denied; choose another --out/);
  }
});

test('header stamps an hour off the log times: every input message is refused as bad_stamp and counted', async () => {
  const HOUR_S = 3600;
  const bag = await editedFixture('hour', (_topic, ns, msg) => {
    if (msg?.header?.stamp !== undefined) msg.header.stamp.sec += HOUR_S;
    return [{ logTimeNs: ns, msg }];
  });
  const s = await replayWithFake(bag);
  assert.equal(s.input.rejected_by_node['joint_states:bad_stamp'], 49);
  assert.equal(s.input.rejected_by_node['object_pose:bad_stamp'], 49);
  assert.ok((s.input.problems.rejected ?? 0) >= 98);
  assert.match(s.input.problem_examples.find((p) => p.kind === 'rejected')?.message ?? '', /3600\.000 s ahead of the clock/);
  assert.equal(s.ticks.by_outcome.ok, 0);
});
