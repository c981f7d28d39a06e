import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyNode, TickReport } from '../../../src/node/api.js';
import { runLoop } from '../../../src/node/runLoop.js';

function fakeNode(workMs: number, scheduled: bigint[]): PolicyNode {
  return {
    tick: async (nowNs: bigint) => {
      scheduled.push(nowNs);
      if (workMs > 0) {
        const end = process.hrtime.bigint() + BigInt(workMs * 1e6);
        while (process.hrtime.bigint() < end) await new Promise((r) => setImmediate(r));
      }
      return { tick: scheduled.length - 1, nowNs, outcome: 'ok', state: 'RUNNING' } as unknown as TickReport;
    },
  } as unknown as PolicyNode;
}

const now = () => process.hrtime.bigint();

test('ticks stay on the t0 + k·period grid (drift-free); skipped slots are exactly the grid gaps', async () => {
  const scheduled: bigint[] = [];
  const lates: bigint[] = [];
  const stats = await runLoop(fakeNode(0, scheduled), { rateHz: 100, nowNs: now, maxTicks: 20, afterTick: (_r, late) => lates.push(late) });
  assert.equal(stats.ticks, 20);
  let gaps = 0;
  for (let i = 1; i < scheduled.length; i++) {
    const d = scheduled[i]! - scheduled[i - 1]!;
    assert.equal(d % 10_000_000n, 0n, `gap ${d} ns is a whole number of periods`);
    gaps += Number(d / 10_000_000n) - 1;
  }
  assert.equal(stats.skippedSlots, gaps); // on an idle machine both are 0; under load timers may skip a slot
  assert.ok(lates.every((l) => l >= 0n));
});

test('a tick longer than a period skips the missed slots instead of running ticks back to back', async () => {
  const scheduled: bigint[] = [];
  const stats = await runLoop(fakeNode(12, scheduled), { rateHz: 200, nowNs: now, maxTicks: 5 });
  assert.equal(stats.ticks, 5);
  assert.ok(stats.skippedSlots >= 4, `skipped ${stats.skippedSlots}`);
  for (let i = 1; i < scheduled.length; i++) {
    const gap = scheduled[i]! - scheduled[i - 1]!;
    assert.equal(gap % 5_000_000n, 0n, 'still on the grid');
    assert.ok(gap >= 10_000_000n, `gap ${gap}`);
  }
});

test('stops when the signal aborts', async () => {
  const ac = new AbortController();
  const scheduled: bigint[] = [];
  setTimeout(() => ac.abort(), 30);
  const stats = await runLoop(fakeNode(0, scheduled), { rateHz: 100, nowNs: now, signal: ac.signal });
  assert.ok(stats.ticks >= 1 && stats.ticks <= 4, `${stats.ticks} ticks`);
});
