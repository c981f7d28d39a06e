// The drift-free tick schedule (live use: `oneflow run`, bench). Tick k is scheduled at t0 + k·period — never
// "now + period" — so lateness does not accumulate. Waiting is hybrid (DP precise_sleep): a timer until spinSec before
// the slot, then yielding with setImmediate until it (I/O and ROS callbacks keep running). A tick that starts more
// than one period late skips the slots it missed (counted as `skippedSlots`): the loop never runs ticks back to back
// to catch up, which would feed the policy stale observations.
import { setImmediate as yieldOnce } from 'node:timers/promises';
import type { PolicyNode, TickReport } from './api.js';

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

export async function runLoop(node: PolicyNode, options: RunLoopOptions): Promise<RunLoopStats> {
  const periodNs = BigInt(Math.round(1e9 / options.rateHz));
  const spinNs = BigInt(Math.round((options.spinSec ?? 0) * 1e9));
  const { nowNs, signal } = options;
  const maxTicks = options.maxTicks ?? Number.POSITIVE_INFINITY;
  let slot = nowNs() + periodNs;
  let ticks = 0;
  let skippedSlots = 0;
  let maxStartLateNs = 0n;
  const aborted = (): boolean => signal?.aborted === true;
  while (ticks < maxTicks && !aborted()) {
    const coarse = slot - spinNs - nowNs();
    if (coarse > 0n) {
      // Without spinning, round the timer up so it fires at or after the slot; with spinning, round down.
      const ms = spinNs === 0n ? (coarse + 999_999n) / 1_000_000n : coarse / 1_000_000n;
      if (ms > 0n) await new Promise((r) => setTimeout(r, Number(ms)));
    }
    while (nowNs() < slot) await yieldOnce();
    if (aborted()) break;
    const late = nowNs() - slot;
    if (late > maxStartLateNs) maxStartLateNs = late;
    options.beforeTick?.(slot);
    const report = await node.tick(slot);
    ticks++;
    options.afterTick?.(report, late);
    slot += periodNs;
    const now = nowNs();
    if (now >= slot + periodNs) {
      const missed = (now - slot) / periodNs;
      skippedSlots += Number(missed);
      slot += missed * periodNs;
    }
  }
  return { ticks, skippedSlots, maxStartLateNs };
}
