// The tick schedule, one for every driver (pure: time comes in as bigint ns). The live node (`oneflow run`, woken by
// an rclnodejs timer that honours ROS/simulated time) and `oneflow bench` / runLoop (woken by JS timers) ask this
// one object when a wake-up is a tick and for which scheduled time, so the bench's deadline figures describe the
// live node's scheduling: only the wake-up source differs, and its jitter shows up as lateness.
//
//   grid:  t0, t0 + period, t0 + 2·period, …   (drift-free: never "now + period")
//   wake(now, expected?) ─► tick at slot = expected call time, else the newest grid point ≤ now
//                           · no clock yet (ROS time 0 under use_sim_time before /clock) ─► wait
//                           · previous tick still running ─► busy: ticks are never queued
//                           · slot not after the last one (early or repeated wake) ─► wait
//                           · slots jumped over are skipped, not caught up (counted: skippedSlots)
//   done() when the tick has returned.
//
// A timer call whose expected time lies before t0 (simulated time jumping from 0 to a bag's time) is no schedule
// to measure against: it ticks on the grid from t0 and reports no lateness.

export type Wake =
  | {
      readonly kind: 'tick';
      readonly slotNs: bigint;
      /** now (or the actual call time) − slot; null when not meaningful. */ readonly lateNs: bigint | null;
      readonly skippedSlots: number;
    }
  | { readonly kind: 'busy' }
  | { readonly kind: 'wait'; readonly reason: 'no_clock' | 'not_due' };

export class TickScheduler {
  readonly periodNs: bigint;
  #t0Ns: bigint | null;
  #lastSlotNs: bigint | null = null;
  #inFlight = false;
  #ticks = 0;
  #skippedSlots = 0;
  #busyWakes = 0;
  #maxLateNs = 0n;

  /** `t0Ns`: start of the grid; omitted or 0 (a clock that has not started) — the first non-zero wake time. */
  constructor(periodNs: bigint, t0Ns?: bigint) {
    if (periodNs <= 0n) throw new RangeError(`tick period must be > 0 ns, got ${periodNs}`);
    this.periodNs = periodNs;
    this.#t0Ns = t0Ns === undefined || t0Ns === 0n ? null : t0Ns;
  }

  /** When the next tick is due (for drivers that sleep until then); null before the clock has started. */
  nextSlotNs(): bigint | null {
    if (this.#lastSlotNs !== null) return this.#lastSlotNs + this.periodNs;
    return this.#t0Ns === null ? null : this.#t0Ns + this.periodNs;
  }

  wake(nowNs: bigint, timer?: { readonly expectedNs?: bigint | undefined; readonly actualNs?: bigint | undefined }): Wake {
    if (nowNs === 0n) return { kind: 'wait', reason: 'no_clock' };
    this.#t0Ns ??= nowNs;
    const t0 = this.#t0Ns;
    if (this.#inFlight) {
      this.#busyWakes++;
      return { kind: 'busy' };
    }
    const expected = timer?.expectedNs;
    const onSchedule = expected !== undefined && expected >= t0;
    const slot = onSchedule ? expected : t0 + ((nowNs - t0) / this.periodNs) * this.periodNs;
    const last = this.#lastSlotNs;
    if (last !== null && slot <= last) return { kind: 'wait', reason: 'not_due' };
    const skipped = last === null ? 0 : Math.max(0, Number((slot - last) / this.periodNs) - 1);
    this.#skippedSlots += skipped;
    this.#lastSlotNs = slot;
    this.#inFlight = true;
    this.#ticks++;
    const lateNs = expected !== undefined && !onSchedule ? null : (onSchedule ? (timer?.actualNs ?? nowNs) : nowNs) - slot;
    if (lateNs !== null && lateNs > this.#maxLateNs) this.#maxLateNs = lateNs;
    return { kind: 'tick', slotNs: slot, lateNs, skippedSlots: skipped };
  }

  /** The tick started by the last `wake` has returned. */
  done(): void {
    this.#inFlight = false;
  }

  get stats(): { readonly ticks: number; readonly skippedSlots: number; readonly busyWakes: number; readonly maxStartLateNs: bigint } {
    return { ticks: this.#ticks, skippedSlots: this.#skippedSlots, busyWakes: this.#busyWakes, maxStartLateNs: this.#maxLateNs };
  }
}
