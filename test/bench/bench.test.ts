// Smoke test of `oneflow bench` on the fixture models (tiny sample counts, no busy core): every section runs and
// reports numbers of the right shape. The figures themselves come from a real run (docs/node.md), not from here.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { latencyStats } from '../../src/bench/latencyStats.js';
import { main } from '../../src/cli/bench.js';

test('latencyStats: nearest-rank percentiles', () => {
  const s = latencyStats(Array.from({ length: 100 }, (_, i) => (i + 1) / 1000));
  assert.deepEqual([s.n, s.p50, s.p90, s.p99, s.max], [100, 0.05, 0.09, 0.099, 0.1]);
  assert.ok(Math.abs(s.mean - 0.0505) < 1e-12);
  assert.ok(Number.isNaN(latencyStats([]).p50));
});

test('oneflow bench --json runs (a), (b) and (c) on the fixtures', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'oneflow-bench-')), 'bench.json');
  const code = await main([
    '--quiet',
    '--out',
    out,
    '--n',
    '20',
    '--teacher-n',
    '2',
    '--ticks',
    '10',
    '--rates',
    '100',
    '--no-busy',
    '--student',
    'test/fixtures/models/tiny_onestep.onnx',
    '--teacher',
    'test/fixtures/models/tiny_ddpm100.onnx',
  ]);
  assert.equal(code, 0);
  const r = JSON.parse(readFileSync(out, 'utf8')) as {
    overhead: { raw: { n: number; p50: number }; tick: { n: number; p50: number }; overheadP50Sec: number };
    teacherStudent: { ratioP50: number; teacher: { networkCalls: number }; student: { networkCalls: number } };
    deadline: { driver: string; rateHz: number; ticks: number; deadlineMisses: number; outcomes: Record<string, number> }[];
  };
  assert.equal(r.overhead.raw.n, 20);
  assert.ok(r.overhead.tick.n >= 18 && r.overhead.tick.p50 > 0 && r.overhead.raw.p50 > 0);
  assert.ok(Number.isFinite(r.overhead.overheadP50Sec));
  assert.deepEqual([r.teacherStudent.teacher.networkCalls, r.teacherStudent.student.networkCalls], [100, 1]);
  assert.ok(r.teacherStudent.ratioP50 > 1, `teacher/student ${r.teacherStudent.ratioP50}`);
  assert.equal(r.deadline.length, 1);
  assert.equal(r.deadline[0]!.ticks, 10);
  assert.equal(r.deadline[0]!.driver, 'timer', "by default (c) drives the node the way oneflow run's ROS timer does");
  assert.equal(
    Object.values(r.deadline[0]!.outcomes).reduce((a, b) => a + b, 0),
    10,
  );
});

test('oneflow bench (c) --driver loop: the same scheduler woken by runLoop', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'oneflow-bench-')), 'bench.json');
  const code = await main([
    '--quiet',
    '--out',
    out,
    '--only',
    'c',
    '--ticks',
    '5',
    '--rates',
    '100',
    '--no-busy',
    '--driver',
    'loop',
    '--student',
    'test/fixtures/models/tiny_onestep.onnx',
  ]);
  assert.equal(code, 0);
  const r = JSON.parse(readFileSync(out, 'utf8')) as { deadline: { driver: string; ticks: number; outcomes: Record<string, number> }[] };
  assert.deepEqual([r.deadline[0]!.driver, r.deadline[0]!.ticks], ['loop', 5]);
  assert.equal(
    Object.values(r.deadline[0]!.outcomes).reduce((a, b) => a + b, 0),
    5,
  );
});

test('oneflow bench --only s: a short soak samples RSS and tick latency per window', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'oneflow-bench-')), 'bench.json');
  const code = await main([
    '--quiet',
    '--out',
    out,
    '--only',
    's',
    '--soak-ticks',
    '300',
    '--soak-window',
    '100',
    '--student',
    'test/fixtures/models/tiny_onestep.onnx',
  ]);
  assert.equal(code, 0);
  const r = JSON.parse(readFileSync(out, 'utf8')) as {
    soak: {
      ticks: number;
      warmupTicks: number;
      outcomes: Record<string, number>;
      windows: { ticksDone: number; rssMB: number; tickP99Ms: number }[];
      rssGrowthMB: number;
    };
  };
  assert.equal(r.soak.ticks, 300);
  assert.deepEqual(
    r.soak.windows.map((w) => w.ticksDone),
    [100, 200, 300],
  );
  assert.ok(r.soak.windows.every((w) => w.rssMB > 10 && w.tickP99Ms > 0));
  assert.equal(r.soak.warmupTicks, 100);
  assert.equal(r.soak.outcomes['ok'], 300);
  assert.ok(Number.isFinite(r.soak.rssGrowthMB));
});
