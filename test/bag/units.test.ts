import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metadataYaml, DEFAULT_QOS } from '../../src/bag/metadata.js';
import { bagInformation } from '../../src/bag/bagInformation.js';

const relativeFilePaths = (yaml: string) => bagInformation(yaml, 'metadata.yaml').relativeFilePaths;
import { Pacer, SimClock, periodNs, tickTimes } from '../../src/bag/simClock.js';
import { CommandRmse, quantile, summariseLatency } from '../../src/bag/replayStats.js';

test('quantile interpolates like numpy; latency summary in ms', () => {
  assert.equal(quantile([], 0.5), null);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.ok(Math.abs(quantile([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.99)! - 99) < 1e-12);
  assert.deepEqual(summariseLatency([0.001, 0.003, 0.002]), { n: 3, p50_ms: 2, p99_ms: 2.98, max_ms: 3 });
});

test('tick grid and clock: exact nanoseconds, never backwards', () => {
  assert.equal(periodNs(10), 100_000_000n);
  assert.equal(periodNs(30), 33_333_333n);
  assert.throws(() => periodNs(0), /control rate 0 Hz must be > 0/);
  assert.deepEqual([...tickTimes(5n, 25n, 10n)], [5n, 15n, 25n]);
  const c = new SimClock(10n);
  c.advanceTo(20n);
  assert.equal(c.nowNs(), 20n);
  assert.throws(() => c.advanceTo(19n), /cannot go back from 20 ns to 19 ns/);
});

test('Pacer --rate 4: 0.2 s of bag time takes ≈ 50 ms; --fast does not wait', async () => {
  const p = new Pacer(4);
  const t0 = performance.now();
  await p.waitUntil(0n);
  await p.waitUntil(200_000_000n);
  const ms = performance.now() - t0;
  assert.ok(ms >= 45 && ms < 500, `${ms} ms`);
  const fast = new Pacer(null);
  const t1 = performance.now();
  await fast.waitUntil(0n);
  await fast.waitUntil(10_000_000_000n);
  assert.ok(performance.now() - t1 < 50);
  assert.throws(() => new Pacer(-1), /--rate -1 must be a number > 0/);
});

test('RMSE takes the newest chunk that has a row for t, by joint name', () => {
  const r = new CommandRmse();
  const header = (sec: number) => ({ stamp: { sec, nanosec: 0 }, frame_id: '' });
  const chunk = (sec: number, offset: number, data: number[]) => ({
    header: header(sec),
    model_id: '',
    seq: 0n,
    dt_sec: 1,
    first_step_offset: offset,
    names: ['a', 'b'],
    horizon: data.length / 2,
    data,
    inference_time_sec: 0,
    fallback: false,
    watchdog_state: 0,
  });
  const cmd = (a: number, b: number) => ({ header: header(0), name: ['b', 'a'], position: [b, a], velocity: [], effort: [] });
  r.onChunk(chunk(10, 1, [1, 1, 2, 2])); // rows for t = 11, 12
  r.onChunk(chunk(11, 1, [5, 5])); // row for t = 12
  r.onRecorded(11_000_000_000n, cmd(1, 3)); // from the first chunk: errors 0, 2
  r.onRecorded(12_000_000_000n, cmd(5, 5)); // from the newest chunk: errors 0, 0
  r.onRecorded(13_000_000_000n, cmd(0, 0)); // no chunk covers 13
  r.onRecorded(11_500_000_000n, cmd(0, 0)); // between rows: not guessed
  assert.equal(r.nMatched, 2);
  assert.equal(r.nUnmatched, 2);
  assert.ok(Math.abs(r.rmse! - Math.sqrt(4 / 4)) < 1e-12);
});

test('metadata.yaml: relative_file_paths round trip, empty bag', () => {
  const y = metadataYaml({ fileName: 'b_0.mcap', startNs: 0n, endNs: 0n, messageCount: 0, topics: [], rosDistro: 'jazzy' });
  assert.deepEqual(relativeFilePaths(y), ['b_0.mcap']);
  assert.match(y, /topics_with_message_count: \[\]\n/);
  const y2 = metadataYaml({
    fileName: 'x y.mcap',
    startNs: 5n,
    endNs: 9n,
    messageCount: 2,
    rosDistro: 'jazzy',
    topics: [{ topic: '/a', type: 'std_msgs/msg/String', messageCount: 2, qos: DEFAULT_QOS, typeDescriptionHash: '' }],
  });
  assert.deepEqual(relativeFilePaths(y2), ['x y.mcap']);
  assert.match(y2, /duration:\n {4}nanoseconds: 4\n/);
});

test('metadata.yaml is read as YAML: flow lists, comments, quoting and a "none" mode read as rosbag2 means them', () => {
  const y = [
    'rosbag2_bagfile_information:',
    '  version: 9',
    "  relative_file_paths: [a_0.mcap, 'b 1.mcap']  # split in two",
    '  compression_mode: "None"',
    "  compression_format: ''",
  ].join('\n');
  assert.deepEqual(bagInformation(y, 'm.yaml'), { relativeFilePaths: ['a_0.mcap', 'b 1.mcap'], compressionMode: '', compressionFormat: '' });
  const body = 'compression_mode: MESSAGE # per message\ncompression_format: zstd\nrelative_file_paths:\n- x.mcap\n';
  assert.deepEqual(bagInformation(body, 'record'), { relativeFilePaths: ['x.mcap'], compressionMode: 'message', compressionFormat: 'zstd' });
  assert.throws(() => bagInformation('relative_file_paths: [a.mcap\n', 'bag/metadata.yaml'), /bag\/metadata\.yaml is not valid YAML: /);
});
