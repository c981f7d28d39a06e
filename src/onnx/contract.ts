// The OneFlow policy contract (docs/contract.md): a model's graph signature must agree with its own
// `oneflow.policy` metadata, and both must agree with what the node is configured for. Everything wrong is
// collected; `validateContract` throws one ModelContractError naming the field, the expected and the found value.
import { ModelContractError, type ContractMismatch } from './errors.js';
import { POLICY_METADATA_KEY, type PolicyMetadata, type PolicyMethod } from './policyMetadata.js';
import type { Dim, OnnxModel, TensorSignature } from './types.js';

/** What the node is configured for. Every field is optional: only the fields given are compared. */
export type PolicyExpectation = {
  readonly nObsSteps?: number;
  readonly obsIntervalSec?: number;
  readonly stateNames?: readonly string[];
  readonly stateSources?: readonly string[];
  /** `null`: the node feeds no image (state-only policy). An object: the policy must take this image size. */
  readonly image?: { readonly height: number; readonly width: number } | null;
  readonly actionNames?: readonly string[];
  readonly horizon?: number;
  /** The node executes this many steps per chunk at most; the model's n_action_steps must be >= 1 and <= horizon. */
  readonly nActionSteps?: number;
  readonly controlRateHz?: number;
  readonly noiseShape?: readonly number[];
  /** Methods the node accepts (default: any). */
  readonly methods?: readonly PolicyMethod[];
};

const sameNumber = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function checkTensor(
  out: ContractMismatch[],
  kind: 'input' | 'output',
  found: TensorSignature | undefined,
  name: string,
  elemType: string,
  shape: readonly number[],
): void {
  const field = `${kind}.${name}`;
  if (found === undefined) {
    out.push({ field, expected: `${elemType} ${JSON.stringify(shape)}`, found: 'missing' });
    return;
  }
  if (found.elemType !== elemType) out.push({ field: `${field}.type`, expected: elemType, found: found.elemType });
  const dims: readonly Dim[] | null = found.shape;
  if (dims === null || !sameList(dims, shape)) {
    out.push({ field: `${field}.shape`, expected: shape, found: dims ?? 'no shape (static shapes required)' });
  }
}

/** The graph's own inputs/outputs against its metadata (what every OneFlow ONNX file must satisfy). */
function checkSignature(model: OnnxModel, p: PolicyMetadata, out: ContractMismatch[]): void {
  const To = p.observation.n_obs_steps;
  const expectedInputs = p.observation.image === null ? ['state', 'noise'] : ['state', 'image', 'noise'];
  const inputNames = model.inputs.map((i) => i.name);
  if (!sameList([...inputNames].sort(), [...expectedInputs].sort())) {
    out.push({ field: 'inputs', expected: expectedInputs, found: inputNames });
  }
  const input = (n: string) => model.inputs.find((i) => i.name === n);
  checkTensor(out, 'input', input('state'), 'state', 'float32', [1, To, p.observation.state.names.length]);
  const img = p.observation.image;
  if (img !== null) checkTensor(out, 'input', input('image'), 'image', 'uint8', [1, To, img.height, img.width, 3]);
  checkTensor(out, 'input', input('noise'), 'noise', 'float32', p.noise.shape);
  checkTensor(out, 'output', model.outputs.find((o) => o.name === 'action'), 'action', 'float32', [1, p.action.horizon, p.action.names.length]);
}

/** The metadata against the node's configuration. */
function checkExpectation(p: PolicyMetadata, e: PolicyExpectation, out: ContractMismatch[]): void {
  const m = (field: string, expected: unknown, found: unknown) => out.push({ field: `metadata.${field}`, expected, found });
  if (e.methods !== undefined && !e.methods.includes(p.method)) m('method', `one of ${e.methods.join('|')}`, p.method);
  if (e.nObsSteps !== undefined && p.observation.n_obs_steps !== e.nObsSteps) m('observation.n_obs_steps', e.nObsSteps, p.observation.n_obs_steps);
  if (e.obsIntervalSec !== undefined && !sameNumber(p.observation.obs_interval_s, e.obsIntervalSec)) {
    m('observation.obs_interval_s', e.obsIntervalSec, p.observation.obs_interval_s);
  }
  if (e.stateNames !== undefined && !sameList(p.observation.state.names, e.stateNames)) m('observation.state.names', e.stateNames, p.observation.state.names);
  if (e.stateSources !== undefined && !sameList(p.observation.state.sources, e.stateSources)) {
    m('observation.state.sources', e.stateSources, p.observation.state.sources);
  }
  if (e.image !== undefined) {
    const img = p.observation.image;
    if (e.image === null && img !== null) m('observation.image', null, img);
    else if (e.image !== null && (img === null || img.height !== e.image.height || img.width !== e.image.width)) {
      m('observation.image', { height: e.image.height, width: e.image.width }, img === null ? null : { height: img.height, width: img.width });
    }
  }
  if (e.actionNames !== undefined && !sameList(p.action.names, e.actionNames)) m('action.names', e.actionNames, p.action.names);
  if (e.horizon !== undefined && p.action.horizon !== e.horizon) m('action.horizon', e.horizon, p.action.horizon);
  if (e.nActionSteps !== undefined && p.action.n_action_steps !== e.nActionSteps) m('action.n_action_steps', e.nActionSteps, p.action.n_action_steps);
  if (e.controlRateHz !== undefined && !sameNumber(p.action.control_rate_hz, e.controlRateHz)) m('action.control_rate_hz', e.controlRateHz, p.action.control_rate_hz);
  if (e.noiseShape !== undefined && !sameList(p.noise.shape, e.noiseShape)) m('noise.shape', e.noiseShape, p.noise.shape);
}

/** All contract mismatches of `model` (empty when it fits). */
export function checkContract(model: OnnxModel, expectation: PolicyExpectation = {}): ContractMismatch[] {
  const p = model.policy;
  if (p === null) {
    return [{ field: `metadata_props["${POLICY_METADATA_KEY}"]`, expected: 'schema_version 1 policy JSON', found: model.policyError ?? 'missing' }];
  }
  const out: ContractMismatch[] = [];
  checkSignature(model, p, out);
  checkExpectation(p, expectation, out);
  return out;
}

/**
 * Throws ModelContractError when the model does not fit; returns its policy metadata otherwise.
 * `context` (e.g. the file path) is appended to the message.
 */
export function validateContract(model: OnnxModel, expectation: PolicyExpectation = {}, context?: string): PolicyMetadata {
  const mismatches = checkContract(model, expectation);
  if (mismatches.length > 0 || model.policy === null) throw new ModelContractError(mismatches, context);
  return model.policy;
}
