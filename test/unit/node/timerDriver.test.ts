// The live node's timer path (issue 18 item 10): timer calls → TickScheduler → node.tick, the same schedule the
// bench's runLoop uses. A late call without an expected time ticks at the grid point before now — never at one in
// the future, which handed the tick a budget longer than its deadline — and a call during a tick is not queued.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyNode, TickReport } from '../../../src/node/api.js';
import { TickScheduler } from '../../../src/node/tickScheduler.js';
import { timerDriver } from '../../../src/node/timerDriver.js';

const P = 100_000_000n;
const T0 = 5_000_000_000n;

function slowNode(ticks: bigint[]) {
  const pending: (() => void)[] = [];
  const node = {
    tick: (nowNs: bigint) => {
      ticks.push(nowNs);
      return new Promise<TickReport>((resolve) => pending.push(() => resolve({ tick: ticks.length - 1, nowNs } as unknown as TickReport)));
    },
  } as unknown as PolicyNode;
  return { node, finish: async () => (pending.shift()!(), await new Promise((r) => setImmediate(r))) };
}

test('timer calls: slot ≤ now on the grid, busy calls not queued, lateness reported, skipped slots counted', async () => {
  const ticks: bigint[] = [];
  const { node, finish } = slowNode(ticks);
  let now = T0;
  const scheduler = new TickScheduler(P, T0);
  const lates: (bigint | null)[] = [];
  let busy = 0;
  const driver = timerDriver(node, scheduler, () => now, { afterTick: (_r, l) => lates.push(l), onBusy: (n) => (busy = n) });
  now = T0 + P + 60_000_000n; // 0.6 period late, no expected time reported
  driver.onTimer();
  assert.deepEqual(ticks, [T0 + P], 'the grid point before now, not T0 + 2P in the future');
  now = T0 + 2n * P;
  driver.onTimer({ expectedNs: now, actualNs: now });
  assert.equal(busy, 1);
  assert.equal(ticks.length, 1, 'not queued');
  await finish();
  await driver.idle();
  now = T0 + 3n * P + 2_000_000n;
  driver.onTimer({ expectedNs: T0 + 3n * P, actualNs: now });
  assert.deepEqual(ticks, [T0 + P, T0 + 3n * P]);
  await finish();
  assert.deepEqual(lates, [60_000_000n, 2_000_000n]);
  assert.equal(scheduler.stats.skippedSlots, 1);
});
