import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TICK_OUTCOMES, type TickOutcome } from '../../../src/control/tickOutcome.js';
import { Watchdog } from '../../../src/watchdog/watchdog.js';
import type { WatchdogState } from '../../../src/watchdog/watchdogState.js';

function at(state: WatchdogState, streak = 0): Watchdog {
  const w = new Watchdog(3, state);
  for (let i = 0; i < streak; i++) w.update('ok', true);
  return w;
}

const MISSES = TICK_OUTCOMES.filter((o): o is Exclude<TickOutcome, 'ok'> => o !== 'ok');

// [from, outcome, tailLeft, → to, publish]
const TABLE: [WatchdogState, TickOutcome, boolean, WatchdogState, string][] = [
  ['RUNNING', 'ok', true, 'RUNNING', 'fresh'],
  ['RUNNING', 'ok', false, 'RUNNING', 'fresh'],
  ...MISSES.map((o) => ['RUNNING', o, true, 'DEGRADED', 'tail'] as [WatchdogState, TickOutcome, boolean, WatchdogState, string]),
  ...MISSES.map((o) => ['RUNNING', o, false, 'SAFE', 'hold'] as [WatchdogState, TickOutcome, boolean, WatchdogState, string]),
  ['DEGRADED', 'ok', true, 'DEGRADED', 'fresh'],
  ['DEGRADED', 'deadline_miss', true, 'DEGRADED', 'tail'],
  ['DEGRADED', 'stale_input', false, 'SAFE', 'hold'],
  ['SAFE', 'ok', false, 'SAFE', 'hold'],
  ['SAFE', 'invalid_output', true, 'SAFE', 'hold'],
];

for (const [from, outcome, tail, to, publish] of TABLE) {
  test(`${from} + ${outcome}${tail ? ' (tail left)' : ''} → ${to}, publishes ${publish}`, () => {
    const d = at(from).update(outcome, tail);
    assert.deepEqual([d.from, d.to, d.publish], [from, to, publish]);
  });
}

test('recovery needs N consecutive ok ticks; a miss resets the streak', () => {
  for (const start of ['SAFE', 'DEGRADED'] as const) {
    const w = new Watchdog(3, start);
    assert.equal(w.update('ok', true).to, start);
    assert.equal(w.update('ok', true).to, start);
    assert.equal(w.update('error', start === 'DEGRADED').healthyStreak, 0);
    assert.equal(w.update('ok', true).to, start);
    assert.equal(w.update('ok', true).to, start);
    const d = w.update('ok', true);
    assert.deepEqual([d.from, d.to, d.publish, d.healthyStreak], [start, 'RUNNING', 'fresh', 3]);
  }
});

test('the node starts SAFE', () => {
  assert.equal(new Watchdog(1).state, 'SAFE');
  assert.equal(new Watchdog(1).update('ok', false).to, 'RUNNING');
});
