// Metrics adapter over prom-client (docs/node.md): a dedicated Registry, `oneflow_` prefix, base units, histogram
// buckets from 50 µs to 1 s (the default buckets start at 5 ms — useless for a sub-millisecond policy), Node's default
// metrics (nodejs_eventloop_lag_seconds shows anything that blocks the main thread).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TICK_OUTCOMES, type TickOutcome } from '../control/tickOutcome.js';
import { REJECT_REASONS, type RejectReason } from '../observation/rejectReason.js';
import { WATCHDOG_STATE_CODE, type WatchdogState } from '../watchdog/watchdogState.js';
import type { Metrics } from './metrics.js';

/** 50 µs … 1 s: 1-2-5 steps, so the SLO thresholds of a 10/50/100 Hz loop (100, 20, 10 ms) are bucket edges. */
export const LATENCY_BUCKETS_SEC = Object.freeze([0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);

export type ModelInfo = { readonly name: string; readonly method: string; readonly modelId: string; readonly executionMode: string };

export type PromMetricsOptions = {
  /** Register Node's default process metrics too (default true). */
  readonly defaultMetrics?: boolean;
  readonly model?: ModelInfo;
};

export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #inference: Histogram;
  readonly #tick: Histogram;
  readonly #period: Histogram;
  readonly #age: Gauge;
  readonly #ticks: Counter;
  readonly #state: Gauge;
  readonly #transitions: Counter;
  readonly #messages: Counter;
  readonly #rejected: Counter;
  readonly #published: Counter;

  constructor(options: PromMetricsOptions = {}) {
    const registers = [this.registry];
    const buckets = [...LATENCY_BUCKETS_SEC];
    this.#inference = new Histogram({
      name: 'oneflow_inference_duration_seconds',
      help: 'Wall time of one policy inference (in the worker, around session.run).',
      buckets,
      registers,
    });
    this.#tick = new Histogram({
      name: 'oneflow_tick_duration_seconds',
      help: 'Control tick processing time, observation assembly to chunk out.',
      buckets,
      registers,
    });
    this.#period = new Histogram({ name: 'oneflow_control_period_seconds', help: 'Time between consecutive control ticks.', buckets, registers });
    this.#age = new Gauge({
      name: 'oneflow_observation_age_seconds',
      help: 'Age of the newest sample of each observation source at the last tick.',
      labelNames: ['source'],
      registers,
    });
    this.#ticks = new Counter({ name: 'oneflow_ticks_total', help: 'Control ticks by outcome.', labelNames: ['outcome'], registers });
    this.#state = new Gauge({ name: 'oneflow_watchdog_state', help: 'Watchdog state: 0 RUNNING, 1 DEGRADED, 2 SAFE.', registers });
    this.#transitions = new Counter({ name: 'oneflow_watchdog_transitions_total', help: 'Watchdog state transitions.', labelNames: ['from', 'to'], registers });
    this.#messages = new Counter({ name: 'oneflow_messages_total', help: 'Accepted input messages by observation source.', labelNames: ['source'], registers });
    this.#rejected = new Counter({
      name: 'oneflow_messages_rejected_total',
      help: 'Rejected input messages by source and reason.',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.#published = new Counter({
      name: 'oneflow_chunks_published_total',
      help: 'Published action chunks; fallback = tail or hold.',
      labelNames: ['fallback'],
      registers,
    });
    for (const outcome of TICK_OUTCOMES) this.#ticks.inc({ outcome }, 0); // every outcome exists from the start
    // Rejections too, so dashboards and alerts see 0 rather than "no data" before the first bad message.
    for (const source of ['camera', 'joint_states', 'object_pose']) for (const reason of REJECT_REASONS) this.#rejected.inc({ source, reason }, 0);
    this.#state.set(WATCHDOG_STATE_CODE.SAFE);
    if (options.model !== undefined) {
      const info = new Gauge({
        name: 'oneflow_model_info',
        help: 'The loaded policy (value 1).',
        labelNames: ['name', 'method', 'model_id', 'execution_mode'],
        registers,
      });
      const m = options.model;
      info.set({ name: m.name, method: m.method, model_id: m.modelId, execution_mode: m.executionMode }, 1);
    }
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1 });
  }

  observeInference(seconds: number): void {
    this.#inference.observe(seconds);
  }
  observeTick(seconds: number): void {
    this.#tick.observe(seconds);
  }
  observeControlPeriod(seconds: number): void {
    this.#period.observe(seconds);
  }
  setObservationAge(source: string, seconds: number): void {
    this.#age.set({ source }, seconds);
  }
  countTick(outcome: TickOutcome): void {
    this.#ticks.inc({ outcome });
  }
  setWatchdogState(state: WatchdogState): void {
    this.#state.set(WATCHDOG_STATE_CODE[state]);
  }
  countTransition(from: WatchdogState, to: WatchdogState): void {
    this.#transitions.inc({ from, to });
  }
  countMessage(source: string): void {
    this.#messages.inc({ source });
  }
  countRejected(source: string, reason: RejectReason): void {
    this.#rejected.inc({ source, reason });
  }
  countPublished(fallback: boolean): void {
    this.#published.inc({ fallback: String(fallback) });
  }
}
