// In-memory PolicyRuntime for tests and replay without onnxruntime: returns a chunk computed from the inputs by a
// plain function, with a simulated inference time compared against the budget (no real waiting).
import type { InferenceResult, PolicyInput, PolicyRuntime } from './policyRuntime.js';
import type { PolicySpec } from './policySpec.js';

export type FakePolicyOptions = {
  /** Fills `action` ([Ha·Da], row-major) for one call; default: hold the newest state's first Da values. */
  readonly act?: (input: PolicyInput, action: Float32Array, call: number) => void;
  /** Simulated inference time of call `call`, s (default 0.001). */
  readonly latencySec?: (call: number) => number;
  /** Make call `call` fail with this message. */
  readonly failWith?: (call: number) => string | null;
};

export class FakePolicy implements PolicyRuntime {
  readonly spec: PolicySpec;
  /** Inputs of every call (copied), for assertions. */
  readonly calls: { state: Float32Array; image: Uint8Array | null; noise: Float32Array }[] = [];
  readonly #options: FakePolicyOptions;
  readonly #action: Float32Array;

  constructor(spec: PolicySpec, options: FakePolicyOptions = {}) {
    this.spec = spec;
    this.#options = options;
    this.#action = new Float32Array(spec.horizon * spec.actionNames.length);
  }

  infer(input: PolicyInput, budgetSec: number): Promise<InferenceResult> {
    const call = this.calls.length;
    this.calls.push({ state: input.state.slice(), image: input.image?.slice() ?? null, noise: input.noise.slice() });
    const failure = this.#options.failWith?.(call) ?? null;
    if (failure !== null) return Promise.resolve({ kind: 'error', message: failure });
    const latency = this.#options.latencySec?.(call) ?? 0.001;
    if (latency > budgetSec) return Promise.resolve({ kind: 'deadline_miss', elapsedSec: budgetSec, busy: false });
    if (this.#options.act !== undefined) this.#options.act(input, this.#action, call);
    else holdNewestState(this.spec, input, this.#action);
    return Promise.resolve({ kind: 'ok', action: this.#action, inferenceSec: latency });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function holdNewestState(spec: PolicySpec, input: PolicyInput, action: Float32Array): void {
  const Ds = spec.stateNames.length;
  const Da = spec.actionNames.length;
  const newest = (spec.nObsSteps - 1) * Ds;
  for (let k = 0; k < spec.horizon; k++) {
    for (let d = 0; d < Da; d++) action[k * Da + d] = input.state[newest + Math.min(d, Ds - 1)] ?? 0;
  }
}

/** A Push-T-like spec (state policy, To=2, Ha=16, Da=2, 10 Hz) for tests; override any field. */
export function testPolicySpec(overrides: Partial<PolicySpec> = {}): PolicySpec {
  const base: PolicySpec = {
    name: 'test_policy',
    method: 'fixture',
    networkCalls: 1,
    modelId: '0123456789abcdef',
    nObsSteps: 2,
    obsIntervalSec: 0.1,
    stateNames: ['agent_x', 'agent_y', 'block_x', 'block_y', 'block_yaw'],
    stateSources: ['joint_states', 'joint_states', 'object_pose', 'object_pose', 'object_pose'],
    image: null,
    actionNames: ['agent_x', 'agent_y'],
    horizon: 16,
    nActionSteps: 8,
    firstStepOffset: -1,
    actionRateHz: 10,
    actionLow: [0, 0],
    actionHigh: [512, 512],
    noiseShape: [1, 1, 16, 2],
  };
  return Object.freeze({ ...base, ...overrides });
}
