// The `oneflow.policy` metadata JSON (schema version 1, docs/contract.md): its type and a strict parser that
// names every field that is missing or of the wrong kind. Keys keep the snake_case of the JSON on purpose: this
// type IS the file format that Python writes.
import { ModelContractError, type ContractMismatch } from './errors.js';

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
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Collects mismatches while reading nested JSON, so one error lists everything wrong with the metadata. */
class Reader {
  readonly problems: ContractMismatch[] = [];
  #fail(field: string, expected: unknown, found: unknown): void {
    this.problems.push({ field: `metadata.${field}`, expected, found: found === undefined ? 'missing' : found });
  }
  obj(o: Obj, key: string, path: string): Obj {
    const v = o[key];
    if (isObj(v)) return v;
    this.#fail(path, 'object', v);
    return {};
  }
  objOrNull(o: Obj, key: string, path: string): Obj | null {
    const v = o[key];
    if (v === null || isObj(v)) return v;
    this.#fail(path, 'object or null', v);
    return null;
  }
  str(o: Obj, key: string, path: string, allowed?: readonly string[]): string {
    const v = o[key];
    if (typeof v === 'string' && v.length > 0 && (allowed === undefined || allowed.includes(v))) return v;
    this.#fail(path, allowed === undefined ? 'non-empty string' : `one of ${allowed.join('|')}`, v);
    return '';
  }
  int(o: Obj, key: string, path: string, min: number): number {
    const v = o[key];
    if (isInt(v) && v >= min) return v;
    this.#fail(path, `integer >= ${min}`, v);
    return min;
  }
  positive(o: Obj, key: string, path: string): number {
    const v = o[key];
    if (isNum(v) && v > 0) return v;
    this.#fail(path, 'number > 0', v);
    return 1;
  }
  strings(o: Obj, key: string, path: string, allowed?: readonly string[]): string[] {
    const v = o[key];
    if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && (allowed === undefined || allowed.includes(s)))) {
      return v as string[];
    }
    this.#fail(path, allowed === undefined ? 'non-empty array of strings' : `non-empty array of ${allowed.join('|')}`, v);
    return [];
  }
  numbers(o: Obj, key: string, path: string, length: number): number[] {
    const v = o[key];
    if (Array.isArray(v) && v.length === length && v.every(isNum)) return v as number[];
    this.#fail(path, `array of ${length} finite numbers`, v);
    return new Array<number>(length).fill(0);
  }
  check(ok: boolean, path: string, expected: unknown, found: unknown): void {
    if (!ok) this.#fail(path, expected, found);
  }
}

/**
 * Parses and validates the `oneflow.policy` JSON text. Throws ModelContractError listing every problem
 * (field, expected, found). Unknown extra keys are allowed (forward-compatible extensions).
 */
export function parsePolicyMetadata(text: string): PolicyMetadata {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new ModelContractError([{ field: `metadata_props["${POLICY_METADATA_KEY}"]`, expected: 'JSON object', found: `invalid JSON (${(err as Error).message})` }]);
  }
  if (!isObj(root)) {
    throw new ModelContractError([{ field: `metadata_props["${POLICY_METADATA_KEY}"]`, expected: 'JSON object', found: root }]);
  }
  const r = new Reader();
  const version = root['schema_version'];
  if (version !== POLICY_SCHEMA_VERSION) {
    // A different schema cannot be read field by field: say so and how to fix it.
    throw new ModelContractError([{ field: 'metadata.schema_version', expected: `${POLICY_SCHEMA_VERSION} (re-export with \`oneflow-train export\`)`, found: version ?? 'missing' }]);
  }
  const name = r.str(root, 'name', 'name');
  const method = r.str(root, 'method', 'method', POLICY_METHODS) as PolicyMethod;
  const samplerRaw = root['sampler'];
  r.check(samplerRaw === undefined || samplerRaw === null || typeof samplerRaw === 'string', 'sampler', 'string or null', samplerRaw);
  const calls = r.int(root, 'network_calls_per_inference', 'network_calls_per_inference', 1);

  const obs = r.obj(root, 'observation', 'observation');
  const nObs = r.int(obs, 'n_obs_steps', 'observation.n_obs_steps', 1);
  const obsInterval = r.positive(obs, 'obs_interval_s', 'observation.obs_interval_s');
  const st = r.obj(obs, 'state', 'observation.state');
  const stateNames = r.strings(st, 'names', 'observation.state.names');
  const stateSources = r.strings(st, 'sources', 'observation.state.sources', STATE_SOURCES) as StateSource[];
  r.check(stateSources.length === stateNames.length, 'observation.state.sources', `${stateNames.length} entries (one per state name)`, stateSources.length);
  const img = r.objOrNull(obs, 'image', 'observation.image');
  let image: ImageSpec | null = null;
  if (img !== null) {
    image = {
      height: r.int(img, 'height', 'observation.image.height', 1),
      width: r.int(img, 'width', 'observation.image.width', 1),
      source: r.str(img, 'source', 'observation.image.source', ['camera']) as 'camera',
    };
  }

  const act = r.obj(root, 'action', 'action');
  const actionNames = r.strings(act, 'names', 'action.names');
  const horizon = r.int(act, 'horizon', 'action.horizon', 1);
  const nActionSteps = r.int(act, 'n_action_steps', 'action.n_action_steps', 1);
  r.check(nActionSteps <= horizon, 'action.n_action_steps', `<= action.horizon (${horizon})`, nActionSteps);
  const offset = act['first_step_offset'];
  r.check(isInt(offset), 'action.first_step_offset', 'integer', offset);
  const controlRate = r.positive(act, 'control_rate_hz', 'action.control_rate_hz');
  const low = r.numbers(act, 'low', 'action.low', actionNames.length);
  const high = r.numbers(act, 'high', 'action.high', actionNames.length);
  low.forEach((lo, i) => r.check(lo < (high[i] ?? Infinity), `action.low[${i}]`, `< action.high[${i}] (${high[i]})`, lo));

  const noiseObj = r.obj(root, 'noise', 'noise');
  const noiseShape = noiseObj['shape'];
  const noiseOk = Array.isArray(noiseShape) && noiseShape.length === 4 && noiseShape.every((d) => isInt(d) && d >= 1);
  r.check(noiseOk, 'noise.shape', '[1, S, Ha, Da] positive integers', noiseShape);
  if (noiseOk) {
    const [b, , ha, da] = noiseShape as number[];
    r.check(b === 1, 'noise.shape[0]', 1, b);
    r.check(ha === horizon, 'noise.shape[2]', `action.horizon (${horizon})`, ha);
    r.check(da === actionNames.length, 'noise.shape[3]', `len(action.names) (${actionNames.length})`, da);
  }
  const provenance = r.obj(root, 'provenance', 'provenance');
  const evalResult = r.objOrNull(root, 'eval', 'eval');

  if (r.problems.length > 0) throw new ModelContractError(r.problems);
  return deepFreeze({
    schema_version: 1,
    name,
    method,
    sampler: typeof samplerRaw === 'string' ? samplerRaw : null,
    network_calls_per_inference: calls,
    observation: { n_obs_steps: nObs, obs_interval_s: obsInterval, state: { names: stateNames, sources: stateSources }, image },
    action: {
      names: actionNames, horizon, n_action_steps: nActionSteps, first_step_offset: offset as number,
      control_rate_hz: controlRate, low, high,
    },
    noise: { shape: noiseShape as number[] },
    provenance,
    eval: evalResult,
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
