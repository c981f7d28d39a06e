import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../bag/helpers.js';
import { FIXTURE_BAG, editedFixture } from './helpers.js';

function oneflow(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['dist/src/cli.js', 'replay', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `stack trace in stderr:\n${stderr}`);
}

test('replay --json prints the summary and writes the output bag and summary.json', () => {
  const out = join(tempDir(), 'out');
  const r = oneflow(FIXTURE_BAG, '--out', out, '--json', '--seed', '3');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.ticks.total, 48);
  assert.equal(s.seed, 3);
  assert.equal(s.model.name, 'hold_baseline');
  assert.ok(existsSync(join(out, 'out_0.mcap')) && existsSync(join(out, 'metadata.yaml')));
  assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).ticks.total, 48);
  // --param reaches the node: DP-style execution infers every n_action_steps (8) ticks only.
  const dp = JSON.parse(oneflow(FIXTURE_BAG, '--out', join(out, 'dp'), '--json', '--param', 'executionMode=dp').stdout);
  assert.ok(dp.latency.inference.n < 48 / 4, `DP-style inferred ${dp.latency.inference.n} times in 48 ticks`);
  assert.equal(r.stderr, ''); // no progress bar, no warnings when not a TTY and nothing is wrong
});

test('a truncated bag replays what survives, warns with topic and time, and --strict turns that into exit 4', () => {
  const dir = tempDir();
  const bytes = readFileSync(join(FIXTURE_BAG, 'pusht_ep205.mcap'));
  writeFileSync(join(dir, 'cut.mcap'), bytes.subarray(0, Math.floor(bytes.length * 0.8)));
  const r = oneflow(join(dir, 'cut.mcap'), '--out', join(dir, 'o1'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*cut\.mcap is truncated .*the last on \/\S+ at 17000000\d\d\.\d{9} s/);
  assert.match(r.stdout, /input {7}truncated 1/);
  assert.equal(oneflow(join(dir, 'cut.mcap'), '--out', join(dir, 'o2'), '--strict').code, 4); // input had problems (docs/errors.md)
});

test('unreadable input exits 4, bad arguments exit 2, with one clear line and no stack trace', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'junk.mcap'), 'not a bag');
  const junk = oneflow(join(dir, 'junk.mcap'), '--out', join(dir, 'o'));
  assert.equal(junk.code, 4);
  assert.match(junk.stderr, /^oneflow replay: .*junk\.mcap is not an MCAP file/);
  assertNoStack(junk.stderr);

  const nopose = await editedFixture('nopose', (_t, ns, msg) => [{ logTimeNs: ns, msg }], ['/object_pose']);
  const missing = oneflow(nopose, '--out', join(dir, 'o2'));
  assert.equal(missing.code, 4);
  assert.match(missing.stderr, /has no messages on \/object_pose/);
  assert.ok(!existsSync(join(dir, 'o2')), 'nothing is written when the bag cannot be replayed');
  assertNoStack(missing.stderr);

  for (const args of [['--rate', '2', '--fast'], ['--seed=-1'], ['--param', 'noiseSeed=3']]) {
    const r = oneflow(FIXTURE_BAG, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^oneflow replay: [\s\S]*\nusage: oneflow replay/);
  }
  // With an ONNX model the inference worker is already running when the node refuses the config: it must be
  // stopped, or the process would hang instead of exiting 2.
  const refused = oneflow(FIXTURE_BAG, '--model', 'test/fixtures/models/tiny_onestep.onnx', '--param', 'actionJointNames=["a"]', '--out', join(dir, 'o4'));
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /actionJointNames must be 2 names/);
  const badConfig = oneflow(FIXTURE_BAG, '--param', 'executionMode=bogus', '--out', join(dir, 'o3'));
  assert.equal(badConfig.code, 2);
  assert.match(
    badConfig.stderr,
    /^oneflow replay: invalid node config: executionMode must be one of receding_horizon \| dp \| temporal_ensembling, got 'bogus'\n$/,
  );
  mkdirSync(join(dir, 'taken'));
  writeFileSync(join(dir, 'taken', 'metadata.yaml'), '');
  const taken = oneflow(FIXTURE_BAG, '--out', join(dir, 'taken'));
  assert.equal(taken.code, 4);
  assert.match(taken.stderr, /already holds a bag/);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} during a paced replay finishes the output bag: footer, summary and metadata.yaml`, async () => {
    const { spawn } = await import('node:child_process');
    const { BagReader } = await import('../../src/bag/bagReader.js');
    const out = join(tempDir(), 'sig');
    const child = spawn(process.execPath, ['dist/src/cli.js', 'replay', 'test/fixtures/bags/pusht_ep018', '--out', out, '--rate', '1', '--json']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // wait until the replay is under way (its output file exists), then a little longer so some ticks ran
    for (let i = 0; i < 300 && !existsSync(join(out, 'sig_0.mcap')); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    child.kill(signal);
    const code = await exited;
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`interrupted \\(${signal}\\): finishing the output bag`));
    const summary = JSON.parse(stdout);
    assert.equal(summary.interrupted, true);
    assert.ok(summary.ticks.total > 0 && summary.ticks.total < 85, `${summary.ticks.total} ticks`);
    assert.ok(existsSync(join(out, 'metadata.yaml')) && existsSync(join(out, 'summary.json')));
    const bag = await BagReader.open(out); // indexed: a truncated file would be reported as a problem
    assert.deepEqual(bag.problems, []);
    assert.ok((bag.topic('/oneflow/action_chunk')?.messageCount ?? 0) >= summary.published.chunks - 1);
  });
}

test('a replay whose every tick missed the deadline exits 3 and says by how much and what to change', () => {
  const dir = tempDir();
  const r = oneflow(FIXTURE_BAG, '--model', 'test/fixtures/models/slow.onnx', '--param', 'warmupRuns=0', '--out', join(dir, 'slow'));
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /ticks {7}48: ok 0, stale_input 0, deadline_miss 48/);
  assert.match(
    r.stdout,
    /verdict {5}the model cannot meet the deadline: all 48 ticks missed the 80\.0 ms deadline; one inference takes (\d+\.\d) ms, (\d+\.\d) ms over\. .*lower --param controlRateHz to ≤ \d.*--no-deadline/,
  );
  const [, took, over] = /one inference takes (\d+\.\d) ms, (\d+\.\d) ms over/.exec(r.stdout)!;
  assert.ok(Math.abs(Number(took) - 80 - Number(over)) < 0.2, `${took} − 80 vs ${over}`);
  assert.equal(JSON.parse(readFileSync(join(dir, 'slow', 'summary.json'), 'utf8')).verdict.startsWith('the model cannot meet the deadline'), true);
});
