// The `oneflow.policy` metadata JSON (schema version 1, docs/contract.md): its type and a strict parser that
// names every field that is missing, of the wrong kind or out of range (the one JSON Schema, policySchema.ts) and
// every rule across fields it breaks. Keys keep the snake_case of the JSON on purpose: this type IS the file format
// that Python writes.
import { ModelContractError, type ContractMismatch } from './errors.js';
import { schemaMismatches } from './policySchema.js';

export const POLICY_METADATA_KEY = 'oneflow.policy';
export const POLICY_SCHEMA_VERSION = 1;
export const POLICY_METHODS = ['ddpm', 'ddim', 'oneflow', 'cp', 'onedp', 'vdd', 'fixture'] as const;
export type PolicyMethod = (typeof POLICY_METHODS)[number];
export const STATE_SOURCES = ['joint_states', 'object_pose'] as const;
export type StateSource = (typeof STATE_SOURCES)[number];

export type ImageSpec = { readonly height: number; readonly width: number; readonly source: 'camera' };

export type PolicyMetadata = {
  readonly schema_version: 1;
  readonly name: string;
  readonly method: PolicyMethod;
  /** Optional extension: the sampler exported, e.g. `ddpm100`, `ddim:16`, `onestep`. */
  readonly sampler: string | null;
  readonly network_calls_per_inference: number;
  readonly observation: {
    readonly n_obs_steps: number;
    readonly obs_interval_s: number;
    readonly state: { readonly names: readonly string[]; readonly sources: readonly StateSource[] };
    readonly image: ImageSpec | null;
  };
  readonly action: {
    readonly names: readonly string[];
    readonly horizon: number;
    readonly n_action_steps: number;
    /** action[k] is meant for t_latest_obs + (k + first_step_offset) * dt. */
    readonly first_step_offset: number;
    readonly control_rate_hz: number;
    readonly low: readonly number[];
    readonly high: readonly number[];
  };
  readonly noise: { readonly shape: readonly number[] };
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly eval: Readonly<Record<string, unknown>> | null;
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The rules across fields that the JSON Schema cannot state, on schema-valid metadata (the same rules as
 * `_semantic_problems` in oneflow_train/policy_contract.py).
 */
function semanticProblems(p: PolicyMetadata): ContractMismatch[] {
  const out: ContractMismatch[] = [];
  const need = (ok: boolean, field: string, expected: unknown, found: unknown): void => {
    if (!ok) out.push({ field: `metadata.${field}`, expected, found });
  };
  const { state } = p.observation;
  const a = p.action;
  const Da = a.names.length;
  need(state.sources.length === state.names.length, 'observation.state.sources', `${state.names.length} entries (one per state name)`, state.sources.length);
  need(a.n_action_steps <= a.horizon, 'action.n_action_steps', `<= action.horizon (${a.horizon})`, a.n_action_steps);
  const [lo, hi] = [a.n_action_steps - a.horizon, a.n_action_steps];
  const offsetOk = a.n_action_steps > a.horizon || (lo <= a.first_step_offset && a.first_step_offset <= hi); // else named above
  need(offsetOk, 'action.first_step_offset', `${lo}..${hi} (n_action_steps - horizon .. n_action_steps)`, a.first_step_offset);
  need(a.low.length === Da, 'action.low', `${Da} numbers (one per action name)`, a.low);
  need(a.high.length === Da, 'action.high', `${Da} numbers (one per action name)`, a.high);
  a.low.forEach((l, i) => {
    const h = a.high[i];
    if (h !== undefined) need(l < h, `action.low[${i}]`, `< action.high[${i}] (${h})`, l);
  });
  const [b, , ha, da] = p.noise.shape;
  need(b === 1, 'noise.shape[0]', 1, b);
  need(ha === a.horizon, 'noise.shape[2]', `action.horizon (${a.horizon})`, ha);
  need(da === Da, 'noise.shape[3]', `len(action.names) (${Da})`, da);
  return out;
}

/**
 * Parses and validates the `oneflow.policy` JSON text against the one schema (policySchema.ts) and the rules
 * across fields. Throws ModelContractError listing every problem (field, expected, found). Unknown extra keys are
 * allowed (forward-compatible extensions).
 */
export function parsePolicyMetadata(text: string): PolicyMetadata {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new ModelContractError([
      { field: `metadata_props["${POLICY_METADATA_KEY}"]`, expected: 'JSON object', found: `invalid JSON (${(err as Error).message})` },
    ]);
  }
  if (!isObj(root)) {
    throw new ModelContractError([{ field: `metadata_props["${POLICY_METADATA_KEY}"]`, expected: 'JSON object', found: root }]);
  }
  const version = root['schema_version'];
  if (version !== POLICY_SCHEMA_VERSION) {
    // A different schema cannot be read field by field: say so and how to fix it.
    throw new ModelContractError([
      { field: 'metadata.schema_version', expected: `${POLICY_SCHEMA_VERSION} (re-export with \`oneflow-train export\`)`, found: version ?? 'missing' },
    ]);
  }
  const problems = schemaMismatches(root);
  const policy = { ...root, sampler: root['sampler'] ?? null } as PolicyMetadata;
  if (problems.length === 0) problems.push(...semanticProblems(policy));
  if (problems.length > 0) throw new ModelContractError(problems);
  return deepFreeze(policy);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
