// What the node needs to know about a policy, in the node's vocabulary (camelCase, seconds). Built from the ONNX
// file's `oneflow.policy` metadata (docs/contract.md; parsed and validated by src/onnx/) by `specFromMetadata`.

import type { PolicyMetadata, StateSource } from '../onnx/policyMetadata.js';

export type { StateSource };

export type PolicySpec = {
  readonly name: string;
  readonly method: string;
  /** Network evaluations per inference (100 for a DDPM-100 teacher, 1 for a one-step student). */
  readonly networkCalls: number;
  /** sha256 prefix (16 hex) of the ONNX file; '' for fakes. */
  readonly modelId: string;
  /** To: observation steps fed to the policy. */
  readonly nObsSteps: number;
  /** Spacing of the To observation steps, s. */
  readonly obsIntervalSec: number;
  readonly stateNames: readonly string[];
  readonly stateSources: readonly StateSource[];
  /** Image input (uint8 [1, To, H, W, 3] RGB) or null for state-only policies. */
  readonly image: { readonly height: number; readonly width: number; readonly source: 'camera' } | null;
  readonly actionNames: readonly string[];
  /** Ha: actions per chunk. */
  readonly horizon: number;
  /** Ta: actions executed per inference in DP-style execution. */
  readonly nActionSteps: number;
  /** action[k] is meant for t_obs + (k + firstStepOffset)·dt. */
  readonly firstStepOffset: number;
  /** 1/dt of the action sequence, Hz. */
  readonly actionRateHz: number;
  readonly actionLow: readonly number[];
  readonly actionHigh: readonly number[];
  /** [1, S, Ha, Da]. */
  readonly noiseShape: readonly number[];
};

export function specFromMetadata(meta: PolicyMetadata, modelId: string): PolicySpec {
  const o = meta.observation;
  const a = meta.action;
  return Object.freeze({
    name: meta.name,
    method: meta.method,
    networkCalls: meta.network_calls_per_inference,
    modelId,
    nObsSteps: o.n_obs_steps,
    obsIntervalSec: o.obs_interval_s,
    stateNames: Object.freeze([...o.state.names]),
    stateSources: Object.freeze([...o.state.sources]),
    image: o.image === null ? null : Object.freeze({ height: o.image.height, width: o.image.width, source: 'camera' as const }),
    actionNames: Object.freeze([...a.names]),
    horizon: a.horizon,
    nActionSteps: a.n_action_steps,
    firstStepOffset: a.first_step_offset,
    actionRateHz: a.control_rate_hz,
    actionLow: Object.freeze([...a.low]),
    actionHigh: Object.freeze([...a.high]),
    noiseShape: Object.freeze([...meta.noise.shape]),
  });
}

/** Element counts of the three inputs and the output. */
export function tensorSizes(spec: PolicySpec): { state: number; image: number; noise: number; action: number } {
  const image = spec.image === null ? 0 : spec.nObsSteps * spec.image.height * spec.image.width * 3;
  const noise = spec.noiseShape.reduce((a, b) => a * b, 1);
  return { state: spec.nObsSteps * spec.stateNames.length, image, noise, action: spec.horizon * spec.actionNames.length };
}

/** The four ONNX tensor shapes of a policy (docs/contract.md); `image` null for state-only policies. */
export type PolicyShapes = {
  readonly state: readonly number[];
  readonly image: readonly number[] | null;
  readonly noise: readonly number[];
  readonly action: readonly number[];
};

export function tensorShapes(spec: PolicySpec): PolicyShapes {
  const To = spec.nObsSteps;
  return {
    state: [1, To, spec.stateNames.length],
    image: spec.image === null ? null : [1, To, spec.image.height, spec.image.width, 3],
    noise: [...spec.noiseShape],
    action: [1, spec.horizon, spec.actionNames.length],
  };
}
