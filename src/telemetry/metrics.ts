// The Metrics port (pure): what the core reports. promMetrics.ts implements it with prom-client (docs/node.md
// metric names); memoryMetrics.ts is the in-memory fake used by tests and replay summaries. Values in base units.
import type { TickOutcome } from '../control/tickOutcome.js';
import type { RejectReason } from '../observation/rejectReason.js';
import type { WatchdogState } from '../watchdog/watchdogState.js';

export interface Metrics {
  /** Wall time of one successful inference, s (oneflow_inference_duration_seconds). */
  observeInference(seconds: number): void;
  /** Tick processing time, observation assembly → chunk out, s (oneflow_tick_duration_seconds). */
  observeTick(seconds: number): void;
  /** Time between consecutive tick times, s (oneflow_control_period_seconds). */
  observeControlPeriod(seconds: number): void;
  /** Age of the newest sample of `source` at tick time, s (oneflow_observation_age_seconds{source}). */
  setObservationAge(source: string, seconds: number): void;
  /** oneflow_ticks_total{outcome}. */
  countTick(outcome: TickOutcome): void;
  /** oneflow_watchdog_state (0 RUNNING, 1 DEGRADED, 2 SAFE). */
  setWatchdogState(state: WatchdogState): void;
  /** oneflow_watchdog_transitions_total{from,to}. */
  countTransition(from: WatchdogState, to: WatchdogState): void;
  /** oneflow_messages_total{source}: accepted messages. */
  countMessage(source: string): void;
  /** oneflow_messages_rejected_total{source,reason}. */
  countRejected(source: string, reason: RejectReason): void;
  /** oneflow_chunks_published_total{fallback}. */
  countPublished(fallback: boolean): void;
}

/** A Metrics that records nothing. */
export const NULL_METRICS: Metrics = Object.freeze({
  observeInference() {},
  observeTick() {},
  observeControlPeriod() {},
  setObservationAge() {},
  countTick() {},
  setWatchdogState() {},
  countTransition() {},
  countMessage() {},
  countRejected() {},
  countPublished() {},
});
