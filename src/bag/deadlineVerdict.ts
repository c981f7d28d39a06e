// When every tick of a replay missed its deadline there is no inference latency to report ("p50 —") and nothing
// was judged: say so, measure how long one inference really takes, and name the settings that would fit it.
//
//   const probe = new DeadlineProbe(policy);         // wraps the runtime; keeps a copy of the last missed input
//   … replay with probe …
//   const verdict = await deadlineVerdict(summary, probe, config);   // null unless every tick missed
import type { NodeConfig } from '../config/nodeConfig.js';
import type { InferenceResult, PolicyInput, PolicyRuntime } from '../policy/policyRuntime.js';
import type { ReplaySummary } from './replayRunner.js';

/** Passes every call through; after a deadline miss keeps a copy of that call's input for `measureSec`. */
export class DeadlineProbe implements PolicyRuntime {
  readonly spec: PolicyRuntime['spec'];
  readonly #inner: PolicyRuntime;
  #missed: PolicyInput | null = null;

  constructor(inner: PolicyRuntime) {
    this.#inner = inner;
    this.spec = inner.spec;
  }

  async infer(input: PolicyInput, budgetSec: number): Promise<InferenceResult> {
    const r = await this.#inner.infer(input, budgetSec);
    if (r.kind === 'deadline_miss' && this.#missed === null) {
      // the control loop reuses its input buffers: copy them (once — any missed input will do)
      this.#missed = { state: input.state.slice(), image: input.image?.slice() ?? null, noise: input.noise.slice() };
    }
    return r;
  }

  /**
   * Wall time of one inference on a missed input with a generous budget, s, once the runtime is idle again (null
   * when no tick missed, or the runtime failed). The wait for a late call still in flight is not counted.
   */
  async measureSec(limitSec = 120): Promise<number | null> {
    if (this.#missed === null) return null;
    const start = process.hrtime.bigint();
    for (;;) {
      const t0 = process.hrtime.bigint();
      const r = await this.#inner.infer(this.#missed, limitSec);
      const wallSec = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.kind === 'ok') return r.inferenceSec > 0 ? r.inferenceSec : wallSec;
      if (r.kind !== 'deadline_miss') return null;
      if (!r.busy || r.elapsedSec > 0 || Number(process.hrtime.bigint() - start) / 1e9 > limitSec) return r.elapsedSec > 0 ? r.elapsedSec : null;
      await new Promise((resolve) => setTimeout(resolve, 20)); // the earlier late call is still running
    }
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** True when ticks ran and every one was a deadline miss. */
export function everyTickMissed(s: ReplaySummary): boolean {
  return s.ticks.total > 0 && (s.ticks.by_outcome.deadline_miss ?? 0) === s.ticks.total;
}

/** The one-paragraph verdict for a replay whose every tick missed, with the numbers and what to change. */
export function deadlineVerdictText(s: ReplaySummary, config: Pick<NodeConfig, 'deadlineSec' | 'controlRateHz'>, inferenceSec: number | null): string {
  const ms = (x: number) => `${(x * 1e3).toFixed(1)} ms`;
  const head = `the model cannot meet the deadline: all ${s.ticks.total} ticks missed the ${ms(config.deadlineSec)} deadline`;
  if (inferenceSec === null) {
    return `${head}; its inference time could not be measured. Raise --param deadlineSec (≤ the ${ms(1 / config.controlRateHz)} tick period), lower --param controlRateHz, use a faster model, or judge outputs only with --no-deadline`;
  }
  const maxRateHz = 0.8 / inferenceSec; // the default deadline is 0.8 of the period
  const fits = inferenceSec < 1 / config.controlRateHz;
  return (
    `${head}; one inference takes ${ms(inferenceSec)}, ${ms(inferenceSec - config.deadlineSec)} over. ` +
    (fits
      ? `Raise --param deadlineSec to ≥ ${(inferenceSec * 1.25).toFixed(3)} (the tick period is ${ms(1 / config.controlRateHz)}), or `
      : `It does not fit the ${ms(1 / config.controlRateHz)} tick period at ${config.controlRateHz} Hz: `) +
    `lower --param controlRateHz to ≤ ${maxRateHz < 0.1 ? maxRateHz.toPrecision(2) : maxRateHz.toFixed(1)}, use a faster model (fewer sampling steps: the one-step student), ` +
    'or judge outputs only with --no-deadline'
  );
}
