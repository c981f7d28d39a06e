// One control tick, pure (time comes in as bigint ns; the policy is a port). See src/node/api.ts for the contract
// and src/control/timedChunk.ts for the observation/action timeline.
//
//   assemble To frames ─► seeded noise ─► policy.infer(budget) ─► validate ─► time-index ─► execution mode
//          │ stale               │ miss / error          │ NaN, Inf, out of bounds           │
//          └─────────────────────┴───────────────────────┴──────────► watchdog ─► fresh | tail | hold
import type { NodeConfig } from '../config/nodeConfig.js';
import type { ObservationStore } from '../observation/observationStore.js';
import { fillGaussianNoise, noiseIndexOfStamp } from '../policy/noise.js';
import type { PolicyRuntime } from '../policy/policyRuntime.js';
import { tensorSizes, type PolicySpec } from '../policy/policySpec.js';
import { Watchdog, type WatchdogAction } from '../watchdog/watchdog.js';
import type { WatchdogState } from '../watchdog/watchdogState.js';
import { TemporalEnsemble } from './temporalEnsemble.js';
import type { TickOutcome } from './tickOutcome.js';
import { chunkFromAction, commandedAt, dropDue, type TimedChunk } from './timedChunk.js';
import { validateAction } from './validateAction.js';

export type LoopTick = {
  readonly tick: number;
  readonly nowNs: bigint;
  readonly outcome: TickOutcome;
  readonly from: WatchdogState;
  readonly state: WatchdogState;
  /** What was published, or null (DP-style in-between tick, or no hold position known yet). */
  readonly published: { readonly kind: WatchdogAction; readonly chunk: TimedChunk } | null;
  readonly inferred: boolean;
  readonly inferenceSec: number | null;
  readonly observationNs: bigint | null;
  readonly detail: string;
  /** Why a point due for publishing was withheld (outside the action bounds, e.g. an absurd measured joint), or null. */
  readonly refused: string | null;
};

export type ControlLoopOptions = {
  readonly config: NodeConfig;
  readonly spec: PolicySpec;
  readonly policy: PolicyRuntime;
  readonly store: ObservationStore;
  /** Inference budget for a tick scheduled at nowNs, s (default: config.deadlineSec). */
  readonly budgetSec?: (nowNs: bigint) => number;
};

export class ControlLoop {
  readonly watchdog: Watchdog;
  readonly #config: NodeConfig;
  readonly #spec: PolicySpec;
  readonly #policy: PolicyRuntime;
  readonly #store: ObservationStore;
  readonly #budgetSec: (nowNs: bigint) => number;
  readonly #state: Float32Array;
  readonly #image: Uint8Array | null;
  readonly #noise: Float32Array;
  readonly #dtNs: bigint;
  readonly #latencyNs: bigint;
  readonly #ticksPerChunk: number;
  readonly #ensemble: TemporalEnsemble;
  #tick = 0;
  #calls = 0;
  #ticksSinceInference = 0;
  /** The chunk being executed (fresh or tail); null after a hold. */
  #plan: TimedChunk | null = null;
  #holdValue: Float64Array | null = null;

  constructor(options: ControlLoopOptions) {
    const { config, spec } = options;
    this.#config = config;
    this.#spec = spec;
    this.#policy = options.policy;
    this.#store = options.store;
    this.#budgetSec = options.budgetSec ?? (() => config.deadlineSec);
    const sizes = tensorSizes(spec);
    this.#state = new Float32Array(sizes.state);
    this.#image = spec.image === null ? null : new Uint8Array(sizes.image);
    this.#noise = new Float32Array(sizes.noise);
    this.#dtNs = BigInt(Math.round(1e9 / spec.actionRateHz));
    this.#latencyNs = BigInt(Math.round(config.actionExecLatencySec * 1e9));
    this.#ticksPerChunk = Math.max(1, Math.round((spec.nActionSteps * config.controlRateHz) / spec.actionRateHz));
    this.#ensemble = new TemporalEnsemble(config.ensembleDecay, spec.horizon);
    this.watchdog = new Watchdog(config.recoveryTicks);
  }

  /** Number of inference calls made so far (the noise is keyed to each call's t_obs, not to this count). */
  get inferenceCalls(): number {
    return this.#calls;
  }

  async tick(nowNs: bigint): Promise<LoopTick> {
    const tick = this.#tick++;
    const cutoff = nowNs + this.#latencyNs;
    const dp = this.#config.executionMode === 'dp';
    const executing = this.#plan !== null && dropDue(this.#plan, cutoff).rows > 0;
    const inferNow = !dp || this.watchdog.state !== 'RUNNING' || !executing || this.#ticksSinceInference >= this.#ticksPerChunk;
    let outcome: TickOutcome = 'ok';
    let detail: string; // every branch below sets it
    let fresh: TimedChunk | null = null;
    let inferenceSec: number | null = null;
    let observationNs: bigint | null = null;
    if (!inferNow) {
      this.#ticksSinceInference++;
      detail = `dp: executing chunk, ${this.#ticksSinceInference}/${this.#ticksPerChunk} ticks`;
    } else {
      try {
        ({ outcome, detail, fresh, inferenceSec, observationNs } = await this.#infer(nowNs, cutoff));
      } catch (err) {
        outcome = 'error';
        detail = `tick threw: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    const tailLeft = this.#plan !== null && dropDue(this.#plan, cutoff).rows > 0;
    const decision = this.watchdog.update(outcome, tailLeft);
    let published: LoopTick['published'] = null;
    let refused: string | null = null;
    if (decision.publish === 'fresh') {
      if (fresh !== null) {
        this.#plan = fresh;
        this.#holdValue = null;
        this.#ticksSinceInference = 1;
        published = { kind: 'fresh', chunk: fresh };
      }
    } else if (decision.publish === 'tail') {
      const tail = dropDue(this.#plan!, cutoff);
      this.#plan = tail;
      published = { kind: 'tail', chunk: tail };
    } else {
      const hold = this.#hold(nowNs);
      this.#plan = null;
      this.#ensemble.clear();
      if (typeof hold === 'string') refused = `hold not published: ${hold} (implausible, never commanded)`;
      else if (hold !== null) published = { kind: 'hold', chunk: hold };
    }
    // The last gate: whatever is published — fresh, tail or hold — passes the contract's action bounds.
    const outOfBounds = published === null ? null : validateAction(published.chunk.data, published.chunk.dims, this.#spec.actionLow, this.#spec.actionHigh);
    if (outOfBounds !== null) {
      refused = `${published!.kind} not published: ${outOfBounds}`;
      published = null;
    }
    if (refused !== null) detail = detail === '' ? refused : `${detail}; ${refused}`;
    return { tick, nowNs, outcome, from: decision.from, state: decision.to, published, inferred: inferNow, inferenceSec, observationNs, detail, refused };
  }

  async #infer(
    nowNs: bigint,
    cutoff: bigint,
  ): Promise<{ outcome: TickOutcome; detail: string; fresh: TimedChunk | null; inferenceSec: number | null; observationNs: bigint | null }> {
    const spec = this.#spec;
    const obs = this.#store.assemble(nowNs, this.#config.maxObservationAgeSec, this.#state, this.#image);
    if (!obs.ok) return { outcome: 'stale_input', detail: obs.detail, fresh: null, inferenceSec: null, observationNs: null };
    const observationNs = obs.tObsNs;
    this.#calls++;
    // Keyed to t_obs, not to the call count: the chunk for given observations does not depend on timing.
    fillGaussianNoise(this.#noise, this.#config.noiseSeed, noiseIndexOfStamp(observationNs));
    const budget = this.#budgetSec(nowNs);
    if (!(budget > 0)) {
      return { outcome: 'deadline_miss', detail: `tick started ${(-budget).toFixed(6)} s after its deadline`, fresh: null, inferenceSec: null, observationNs };
    }
    const result = await this.#policy.infer({ state: this.#state, image: this.#image, noise: this.#noise }, budget);
    if (result.kind === 'deadline_miss') {
      const why = result.busy ? 'worker still computing' : 'result too late';
      return { outcome: 'deadline_miss', detail: `no action within ${budget.toFixed(6)} s (${why})`, fresh: null, inferenceSec: null, observationNs };
    }
    if (result.kind === 'error') return { outcome: 'error', detail: result.message, fresh: null, inferenceSec: null, observationNs };
    if (result.kind === 'invalid_output') return { outcome: 'invalid_output', detail: result.message, fresh: null, inferenceSec: null, observationNs };
    const Da = spec.actionNames.length;
    const invalid = validateAction(result.action, Da, spec.actionLow, spec.actionHigh);
    if (invalid !== null) return { outcome: 'invalid_output', detail: invalid, fresh: null, inferenceSec: result.inferenceSec, observationNs };
    const fresh = this.#freshChunk(result.action, observationNs, cutoff);
    return { outcome: 'ok', detail: '', fresh, inferenceSec: result.inferenceSec, observationNs };
  }

  /** The part of a new model output to publish under the execution mode. */
  #freshChunk(action: Float32Array, tObsNs: bigint, cutoff: bigint): TimedChunk {
    const spec = this.#spec;
    const Da = spec.actionNames.length;
    const mode = this.#config.executionMode;
    let k0 = 0;
    let k1 = spec.horizon;
    if (mode === 'dp') {
      k0 = Math.min(Math.max(0, -spec.firstStepOffset), spec.horizon - 1);
      k1 = Math.min(spec.horizon, k0 + spec.nActionSteps);
    }
    const window = chunkFromAction(action, Da, k0, k1, tObsNs, this.#dtNs, spec.firstStepOffset);
    let chunk = dropDue(window, cutoff);
    if (chunk.rows === 0) {
      // Every step is already due ("over budget", DP eval_real_robot.py): send the last one on the next dt step.
      const k = Number((cutoff - tObsNs) / this.#dtNs) + 1;
      chunk = { ...window, firstStepOffset: k, rows: 1, data: window.data.slice((window.rows - 1) * Da) };
    }
    return mode === 'temporal_ensembling' ? this.#ensemble.add(chunk, cutoff) : chunk;
  }

  /**
   * The stop hold (ros2_controllers' halt()): the point being commanded at nowNs — config.holdPosition, else the
   * current plan's point due at nowNs, else the measured joints, bounds-checked like every published point. The plan
   * is dropped. Returns the one-row chunk, the reason it was withheld (string), or null when no position is known.
   */
  halt(nowNs: bigint): TimedChunk | string | null {
    const hold = this.#hold(nowNs);
    this.#plan = null;
    this.#ensemble.clear();
    if (hold === null || typeof hold === 'string') return hold;
    return validateAction(hold.data, hold.dims, this.#spec.actionLow, this.#spec.actionHigh) ?? hold;
  }

  /**
   * The hold published in SAFE: config.holdPosition (bounds-checked at start-up), else the last commanded action,
   * else the measured joints — which must lie within the action bounds: a finite but absurd reading is refused
   * (returned as the reason, a string) and retried on the next tick. null: no hold position known yet.
   */
  #hold(nowNs: bigint): TimedChunk | string | null {
    const spec = this.#spec;
    const Da = spec.actionNames.length;
    if (this.#holdValue === null) {
      const v = new Float64Array(Da);
      if (this.#config.holdPosition !== null) v.set(this.#config.holdPosition);
      else if (this.#plan === null || !commandedAt(this.#plan, nowNs, v)) {
        if (!this.#store.measuredActionJoints(spec.actionNames, v)) return null;
        const implausible = validateAction(v, Da, spec.actionLow, spec.actionHigh, (_r, d) => `measured ${spec.actionNames[d]}`);
        if (implausible !== null) return implausible;
      }
      this.#holdValue = v;
    }
    return { stampNs: nowNs, dtNs: this.#dtNs, firstStepOffset: 1, rows: 1, dims: Da, data: this.#holdValue.slice() };
  }
}
