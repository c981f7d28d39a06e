// The CLI speaks clearly (issue 19 item 3, issue 18 item 11): one line, a "did you mean", and the same exit status
// for the same fault in every command (docs/errors.md). Runs the built CLI (dist/src/cli.js; `npm run build`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const BAG = 'test/fixtures/bags/pusht_ep205';
const oneflow = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['dist/src/cli.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const out = () => join(mkdtempSync(join(tmpdir(), 'cli-errors-')), 'o');

test('oneflow without a command exits 2; a mistyped command gets a suggestion', () => {
  const none = oneflow();
  assert.equal(none.code, 2);
  assert.match(none.stderr, /a command is required[\s\S]*usage: oneflow <command>/);
  const typo = oneflow('replya');
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown command 'replya' \(did you mean 'replay'\?\)/);
  assert.equal(oneflow('--help').code, 0);
});

test('replay --param with an unknown name exits 2 with "did you mean" instead of running at the default', () => {
  const r = oneflow('replay', BAG, '--out', out(), '--param', 'controlRateHZ=20');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /unknown parameter controlRateHZ .*did you mean 'control_rate_hz'/);
  const ok = oneflow('replay', BAG, '--out', out(), '--json', '--param', 'control_rate_hz=20');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).ticks.total, 95, 'the printed snake_case name reaches the node: 20 Hz over the bag');
});

test('an unknown option gets a "did you mean" in every command', () => {
  const replay = oneflow('replay', BAG, '--modle', 'm.onnx');
  assert.equal(replay.code, 2);
  assert.match(replay.stderr, /^oneflow replay: unknown option '--modle' \(did you mean '--model'\?\)/);
  const inspect = oneflow('inspect', '--jsno', 'm.onnx');
  assert.equal(inspect.code, 2);
  assert.match(inspect.stderr, /^oneflow inspect: unknown option '--jsno' \(did you mean '--json'\?\)/);
  const bench = oneflow('bench', '--tikcs', '10');
  assert.equal(bench.code, 2);
  assert.match(bench.stderr, /^oneflow bench: unknown option '--tikcs' \(did you mean '--ticks'\?\)/);
  assert.equal(oneflow('bench', '--n', '0').code, 2, 'a bad flag value is a usage error, not a crash');
});

test('a missing model is exit 3 in inspect and in replay, one line, no stack', () => {
  const inspect = oneflow('inspect', '/nonexistent/model.onnx');
  const replay = oneflow('replay', BAG, '--model', '/nonexistent/model.onnx', '--out', out());
  for (const r of [inspect, replay]) {
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot read ONNX model: ENOENT.*\[file=\/nonexistent\/model\.onnx\]\n$/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
});
