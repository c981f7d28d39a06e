// The tick loop driven by JS timers (bench; any host without ROS): sleeps until the TickScheduler's next slot, wakes
// it and runs the tick it grants. The live node asks the same TickScheduler from its rclnodejs timer (src/cli/run.ts),
// so both share the schedule: drift-free grid, one tick in flight, missed slots skipped (never run back to back to
// catch up, which would feed the policy stale observations). Waiting is hybrid (DP precise_sleep): timers until
// spinSec before the slot, then yielding with setImmediate until it (I/O and ROS callbacks keep running); timers are
// re-armed until the clock reaches the slot, so a clock that runs slow or stands still never makes the loop spin.
import { setImmediate as yieldOnce } from 'node:timers/promises';
import type { PolicyNode, TickReport } from './api.js';
import { TickScheduler } from './tickScheduler.js';

export type RunLoopOptions = {
  readonly rateHz: number;
  /** The clock ticks are scheduled on (bigint ns; the same clock the node's budget uses). */
  readonly nowNs: () => bigint;
  /** Stop after this many ticks (default: until `signal` aborts). */
  readonly maxTicks?: number;
  readonly signal?: AbortSignal;
  /**
   * Yield-spin for the last spinSec before each slot (DP precise_sleep); default 0: a plain timer rounded up to the
   * next millisecond, so a tick starts ≤ ~1 ms late (its budget shrinks by that) and the loop burns no CPU waiting.
   */
  readonly spinSec?: number;
  /** Called before each tick with its scheduled time (e.g. to feed simulated sensors in bench). */
  readonly beforeTick?: (scheduledNs: bigint) => void;
  /** Called after each tick with its report and how late it started, ns. */
  readonly afterTick?: (report: TickReport, startLateNs: bigint) => void;
};

export type RunLoopStats = { readonly ticks: number; readonly skippedSlots: number; readonly maxStartLateNs: bigint };

/** Resolves at (or, by timer granularity, just after) `untilNs` on `nowNs`'s clock, or when `signal` aborts. */
async function sleepUntil(untilNs: bigint, nowNs: () => bigint, spinNs: bigint, signal: AbortSignal | undefined): Promise<void> {
  for (;;) {
    if (signal?.aborted === true) return;
    const left = untilNs - nowNs();
    if (left <= 0n) return;
    if (left <= spinNs) {
      await yieldOnce();
      continue;
    }
    // Without spinning, round the timer up so it fires at or after the slot; with spinning, round down.
    const ms = Number(spinNs === 0n ? (left + 999_999n) / 1_000_000n : (left - spinNs) / 1_000_000n);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

export async function runLoop(node: PolicyNode, options: RunLoopOptions): Promise<RunLoopStats> {
  const { nowNs, signal } = options;
  const scheduler = new TickScheduler(BigInt(Math.round(1e9 / options.rateHz)), nowNs());
  const spinNs = BigInt(Math.round((options.spinSec ?? 0) * 1e9));
  const maxTicks = options.maxTicks ?? Number.POSITIVE_INFINITY;
  const aborted = (): boolean => signal?.aborted === true;
  while (scheduler.stats.ticks < maxTicks && !aborted()) {
    const next = scheduler.nextSlotNs();
    if (next !== null) await sleepUntil(next, nowNs, spinNs, signal);
    if (aborted()) break;
    const wake = scheduler.wake(nowNs());
    if (wake.kind !== 'tick') continue;
    try {
      options.beforeTick?.(wake.slotNs);
      const report = await node.tick(wake.slotNs);
      options.afterTick?.(report, wake.lateNs ?? 0n);
    } finally {
      scheduler.done();
    }
  }
  const { ticks, skippedSlots, maxStartLateNs } = scheduler.stats;
  return { ticks, skippedSlots, maxStartLateNs };
}
