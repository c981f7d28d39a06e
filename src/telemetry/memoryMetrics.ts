// In-memory Metrics fake: counters and last values in plain maps (tests; replay summaries).
import type { TickOutcome } from '../control/tickOutcome.js';
import type { RejectReason } from '../observation/rejectReason.js';
import type { WatchdogState } from '../watchdog/watchdogState.js';
import type { Metrics } from './metrics.js';

export class MemoryMetrics implements Metrics {
  readonly inferenceSec: number[] = [];
  readonly tickSec: number[] = [];
  readonly periodSec: number[] = [];
  readonly observationAgeSec = new Map<string, number>();
  readonly ticks = new Map<TickOutcome, number>();
  readonly transitions = new Map<string, number>();
  readonly messages = new Map<string, number>();
  readonly rejected = new Map<string, number>();
  readonly published = { fresh: 0, fallback: 0 };
  watchdogState: WatchdogState | null = null;

  observeInference(seconds: number): void {
    this.inferenceSec.push(seconds);
  }
  observeTick(seconds: number): void {
    this.tickSec.push(seconds);
  }
  observeControlPeriod(seconds: number): void {
    this.periodSec.push(seconds);
  }
  setObservationAge(source: string, seconds: number): void {
    this.observationAgeSec.set(source, seconds);
  }
  countTick(outcome: TickOutcome): void {
    this.ticks.set(outcome, (this.ticks.get(outcome) ?? 0) + 1);
  }
  setWatchdogState(state: WatchdogState): void {
    this.watchdogState = state;
  }
  countTransition(from: WatchdogState, to: WatchdogState): void {
    const key = `${from}>${to}`;
    this.transitions.set(key, (this.transitions.get(key) ?? 0) + 1);
  }
  countMessage(source: string): void {
    this.messages.set(source, (this.messages.get(source) ?? 0) + 1);
  }
  countRejected(source: string, reason: RejectReason): void {
    const key = `${source}:${reason}`;
    this.rejected.set(key, (this.rejected.get(key) ?? 0) + 1);
  }
  countPublished(fallback: boolean): void {
    if (fallback) this.published.fallback++;
    else this.published.fresh++;
  }
}
