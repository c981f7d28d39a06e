// The OneFlow policy contract (docs/contract.md): a model's graph signature must agree with its own
// `oneflow.policy` metadata. Everything wrong is collected; `validateContract` throws one ModelContractError naming
// the field, the expected and the found value. The node's configuration is checked against that metadata in one
// place, checkConfigAgainstPolicy (src/config/validateConfig.ts); the node adapts to the rest (To, horizon, rate).
import { ModelContractError, type ContractMismatch } from './errors.js';
import { POLICY_METADATA_KEY, type PolicyMetadata } from './policyMetadata.js';
import type { Dim, OnnxModel, TensorSignature } from './types.js';

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
  checkTensor(
    out,
    'output',
    model.outputs.find((o) => o.name === 'action'),
    'action',
    'float32',
    [1, p.action.horizon, p.action.names.length],
  );
}

/** All contract mismatches of `model` (empty when it fits). */
export function checkContract(model: OnnxModel): ContractMismatch[] {
  const p = model.policy;
  if (p === null) {
    return [{ field: `metadata_props["${POLICY_METADATA_KEY}"]`, expected: 'schema_version 1 policy JSON', found: model.policyError ?? 'missing' }];
  }
  const out: ContractMismatch[] = [];
  checkSignature(model, p, out);
  return out;
}

/**
 * Throws ModelContractError when the model does not fit; returns its policy metadata otherwise.
 * `context` (e.g. the file path) is appended to the message.
 */
export function validateContract(model: OnnxModel, context?: string): PolicyMetadata {
  const mismatches = checkContract(model);
  if (mismatches.length > 0 || model.policy === null) throw new ModelContractError(mismatches, context);
  return model.policy;
}
