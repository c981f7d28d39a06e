// The replay clock: simulated time taken from the bag's log times. The node core reads it through the `Clock`
// port; the tick schedule is a fixed grid on it; the Pacer optionally slows the replay down to a multiple of real
// time (`--rate`), or lets it run as fast as the CPU allows (`--fast`, the default for CI and `make demo`).
import type { Clock } from '../node/api.js';

export class SimClock implements Clock {
  #nowNs: bigint;
  constructor(startNs: bigint) {
    this.#nowNs = startNs;
  }
  nowNs(): bigint {
    return this.#nowNs;
  }
  /** Move to `ns`. Simulated time never runs backwards. */
  advanceTo(ns: bigint): void {
    if (ns < this.#nowNs) throw new RangeError(`simulated clock cannot go back from ${this.#nowNs} ns to ${ns} ns`);
    this.#nowNs = ns;
  }
}

/** Tick period in integer nanoseconds (10 Hz → 100 000 000 exactly). */
export function periodNs(rateHz: number): bigint {
  if (!(rateHz > 0 && Number.isFinite(rateHz))) throw new RangeError(`control rate ${rateHz} Hz must be > 0`);
  return BigInt(Math.round(1e9 / rateHz));
}

/** Tick times start, start + period, … ≤ end. */
export function* tickTimes(startNs: bigint, endNs: bigint, period: bigint): Generator<bigint> {
  for (let t = startNs; t <= endNs; t += period) yield t;
}

/** Waits so that simulated time advances at `rate` × wall time; rate null = no waiting. */
export class Pacer {
  readonly rate: number | null;
  #simStartNs: bigint | null = null;
  #wallStartNs = 0n;
  constructor(rate: number | null) {
    if (rate !== null && !(rate > 0 && Number.isFinite(rate))) throw new RangeError(`--rate ${rate} must be a number > 0`);
    this.rate = rate;
  }
  async waitUntil(simNs: bigint): Promise<void> {
    if (this.rate === null) return;
    const wallNow = process.hrtime.bigint();
    if (this.#simStartNs === null) {
      this.#simStartNs = simNs;
      this.#wallStartNs = wallNow;
      return;
    }
    const due = this.#wallStartNs + BigInt(Math.round(Number(simNs - this.#simStartNs) / this.rate));
    const waitMs = Number(due - wallNow) / 1e6;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
