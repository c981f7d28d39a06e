// The one tick schedule of the live node (rclnodejs timer wakes) and of bench/runLoop (JS timer wakes), on injected
// time: grid, busy wakes, skipped slots, expected call times, simulated time that starts late.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickScheduler } from '../../../src/node/tickScheduler.js';

const P = 100_000_000n; // 10 Hz
const T0 = 1_000_000_000_000n;

test('JS-timer wakes: slots on the grid t0 + k·period, lateness = now − slot, the next slot after the last', () => {
  const s = new TickScheduler(P, T0);
  assert.equal(s.nextSlotNs(), T0 + P);
  const w = s.wake(T0 + P + 3_000_000n);
  assert.deepEqual(w, { kind: 'tick', slotNs: T0 + P, lateNs: 3_000_000n, skippedSlots: 0 });
  s.done();
  assert.equal(s.nextSlotNs(), T0 + 2n * P);
  assert.deepEqual(s.wake(T0 + P + 50_000_000n), { kind: 'wait', reason: 'not_due' }, 'an early wake is not a second tick');
});

test('a tick still running makes every wake busy (never queued); slots it covered are skipped, not caught up', () => {
  const s = new TickScheduler(P, T0);
  assert.equal(s.wake(T0 + P).kind, 'tick');
  assert.deepEqual(s.wake(T0 + 2n * P, { expectedNs: T0 + 2n * P }), { kind: 'busy' });
  assert.deepEqual(s.wake(T0 + 3n * P, { expectedNs: T0 + 3n * P }), { kind: 'busy' });
  s.done();
  const w = s.wake(T0 + 4n * P + 1n, { expectedNs: T0 + 4n * P, actualNs: T0 + 4n * P + 2_000_000n });
  assert.deepEqual(w, { kind: 'tick', slotNs: T0 + 4n * P, lateNs: 2_000_000n, skippedSlots: 2 });
  s.done();
  // JS-timer driver after a long tick: the newest grid point ≤ now, gaps counted.
  const j = s.wake(T0 + 7n * P + 40_000_000n);
  assert.deepEqual(j, { kind: 'tick', slotNs: T0 + 7n * P, lateNs: 40_000_000n, skippedSlots: 2 });
  assert.deepEqual(s.stats, { ticks: 3, skippedSlots: 4, busyWakes: 2, maxStartLateNs: 40_000_000n });
});

test('simulated time: no tick at ROS time 0; the grid starts at the first clock; an expected time before it has no lateness', () => {
  const s = new TickScheduler(P, 0n);
  assert.equal(s.nextSlotNs(), null);
  assert.deepEqual(s.wake(0n, { expectedNs: P, actualNs: 0n }), { kind: 'wait', reason: 'no_clock' });
  const t = 1_700_000_010_000_000_000n;
  assert.deepEqual(s.wake(t, { expectedNs: 2n * P, actualNs: t }), { kind: 'tick', slotNs: t, lateNs: null, skippedSlots: 0 });
  s.done();
  assert.deepEqual(s.wake(t + P, { expectedNs: t + P, actualNs: t + P }), { kind: 'tick', slotNs: t + P, lateNs: 0n, skippedSlots: 0 });
});
