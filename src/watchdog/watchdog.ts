// The watchdog: a pure state machine over tick outcomes (docs/node.md; ros2_controllers' diff_drive_controller timeouts).
//
//            ok × N (consecutive)                    miss*, tail left
//   SAFE ───────────────────────────► RUNNING ─────────────────────────► DEGRADED
//     ▲  ◄───── miss*, no tail left ────┘  ◄──────── ok × N ──────────────┘ │
//     └──────────────────────────── miss*, tail exhausted ──────────────────┘
//   * miss = stale_input | deadline_miss | invalid_output | error
//
// The node starts SAFE and earns RUNNING with N healthy ticks (publishing the hold meanwhile). In DEGRADED, healthy
// ticks already publish fresh chunks; a miss republishes the still-valid tail of the last chunk. In SAFE only the
// hold is published.
import type { TickOutcome } from '../control/tickOutcome.js';
import type { WatchdogState } from './watchdogState.js';

/** What the tick should publish after the watchdog has seen its outcome. */
export type WatchdogAction = 'fresh' | 'tail' | 'hold';

export type WatchdogDecision = {
  readonly from: WatchdogState;
  readonly to: WatchdogState;
  readonly publish: WatchdogAction;
  /** Consecutive ok ticks so far. */
  readonly healthyStreak: number;
};

export class Watchdog {
  readonly recoveryTicks: number;
  #state: WatchdogState;
  #streak = 0;

  constructor(recoveryTicks: number, initial: WatchdogState = 'SAFE') {
    this.recoveryTicks = recoveryTicks;
    this.#state = initial;
  }

  get state(): WatchdogState {
    return this.#state;
  }

  /** Feeds one tick's outcome; `tailLeft` says whether the last chunk still has rows that are not yet due. */
  update(outcome: TickOutcome, tailLeft: boolean): WatchdogDecision {
    const from = this.#state;
    let publish: WatchdogAction;
    if (outcome === 'ok') {
      this.#streak++;
      const recovered = this.#streak >= this.recoveryTicks;
      if (from === 'SAFE') {
        this.#state = recovered ? 'RUNNING' : 'SAFE';
        publish = recovered ? 'fresh' : 'hold';
      } else {
        if (recovered) this.#state = 'RUNNING';
        publish = 'fresh';
      }
    } else {
      this.#streak = 0;
      if (from !== 'SAFE' && tailLeft) {
        this.#state = 'DEGRADED';
        publish = 'tail';
      } else {
        this.#state = 'SAFE';
        publish = 'hold';
      }
    }
    return { from, to: this.#state, publish, healthyStreak: this.#streak };
  }
}
