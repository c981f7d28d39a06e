// Pure: ONNX file bytes → OnnxModel (signature, metadata, parameter count, FLOPs). No fs, no onnxruntime.
import { OnnxFormatError, ModelContractError, describeMismatch } from './errors.js';
import { countFlops } from './flops.js';
import { ONNX_ELEM_BYTES, ONNX_ELEM_TYPES, ONNX_FLOAT_TYPES, onnxModelProtoType } from './onnxProto.js';
import { parsePolicyMetadata, POLICY_METADATA_KEY, type PolicyMetadata } from './policyMetadata.js';
import { elementCount, has, toNumber, type GraphMsg, type ModelMsg, type TensorMsg, type ValueInfoMsg } from './protoTypes.js';
import type { Dim, OnnxModel, TensorSignature } from './types.js';

function signature(v: ValueInfoMsg): TensorSignature {
  const tensor = v.type?.tensor_type;
  const elemType = tensor ? (ONNX_ELEM_TYPES[tensor.elem_type] ?? `type${tensor.elem_type}`) : 'non-tensor';
  const dims = tensor?.shape?.dim;
  const shape: Dim[] | null =
    dims === undefined || dims === null ? null : dims.map((d) => (has(d, 'dim_value') ? toNumber(d.dim_value) : has(d, 'dim_param') ? d.dim_param : null));
  return Object.freeze({ name: v.name, elemType, shape: shape === null ? null : Object.freeze(shape) });
}

type Totals = { params: number; bytes: number; nodes: number; ops: Record<string, number> };

function tensorBytes(t: TensorMsg): number {
  if (t.raw_data.length > 0) return t.raw_data.length;
  return elementCount(t.dims.map(toNumber)) * (ONNX_ELEM_BYTES[t.data_type] ?? 0);
}

/** Walks a graph and every subgraph (Loop/If/Scan bodies) once, summing initializers and nodes. */
function walk(graph: GraphMsg, totals: Totals): void {
  for (const t of graph.initializer) {
    if (ONNX_FLOAT_TYPES.has(t.data_type)) totals.params += elementCount(t.dims.map(toNumber));
    totals.bytes += tensorBytes(t);
  }
  for (const node of graph.node) {
    totals.nodes += 1;
    totals.ops[node.op_type] = (totals.ops[node.op_type] ?? 0) + 1;
    for (const a of node.attribute) {
      if (a.g) walk(a.g, totals);
      for (const g of a.graphs) walk(g, totals);
    }
  }
}

function decode(bytes: Uint8Array, path: string | undefined): ModelMsg {
  if (bytes.length === 0) throw new OnnxFormatError('not an ONNX model: the file is empty (0 bytes)', { path });
  let model: ModelMsg;
  try {
    model = onnxModelProtoType().decode(bytes) as unknown as ModelMsg;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new OnnxFormatError(`not a valid ONNX ModelProto (${bytes.length} bytes; corrupt or truncated?): ${why}`, { path, cause: err });
  }
  const ir = toNumber(model.ir_version);
  if (!model.graph || ir <= 0 || model.opset_import.length === 0) {
    throw new OnnxFormatError(
      `not an ONNX model: ir_version=${ir}, opset_import entries=${model.opset_import.length}, graph ${model.graph ? 'present' : 'missing'} ` +
        `(an ONNX file needs all three; ${bytes.length} bytes read)`,
      { path },
    );
  }
  return model;
}

/**
 * Parses ONNX ModelProto bytes. Throws OnnxFormatError for anything that is not a readable ONNX model; a
 * missing or invalid `oneflow.policy` does not throw here (inspect must still show the file) — it yields
 * `policy: null` and `policyError`, and `validateContract` refuses it.
 */
export function parseOnnxModel(bytes: Uint8Array, path?: string): OnnxModel {
  const model = decode(bytes, path);
  const graph = model.graph!;
  const initializerNames = new Set(graph.initializer.map((t) => t.name));
  const metadataProps: Record<string, string> = {};
  for (const { key, value } of model.metadata_props) metadataProps[key] = value;

  let policy: PolicyMetadata | null = null;
  let policyError: string | null = null;
  const policyText = metadataProps[POLICY_METADATA_KEY];
  if (policyText === undefined) {
    policyError = `metadata_props["${POLICY_METADATA_KEY}"] is missing (keys present: ${Object.keys(metadataProps).join(', ') || 'none'})`;
  } else {
    try {
      policy = parsePolicyMetadata(policyText);
    } catch (err) {
      if (!(err instanceof ModelContractError)) throw err;
      policyError = err.mismatches.map(describeMismatch).join('; ');
    }
  }

  const totals: Totals = { params: 0, bytes: 0, nodes: 0, ops: {} };
  walk(graph, totals);
  return Object.freeze({
    irVersion: toNumber(model.ir_version),
    opsetImports: Object.freeze(model.opset_import.map((o) => Object.freeze({ domain: o.domain || 'ai.onnx', version: toNumber(o.version) }))),
    producerName: model.producer_name,
    producerVersion: model.producer_version,
    graphName: graph.name,
    inputs: Object.freeze(graph.input.filter((v) => !initializerNames.has(v.name)).map(signature)),
    outputs: Object.freeze(graph.output.map(signature)),
    metadataProps: Object.freeze(metadataProps),
    policy,
    policyError,
    parameterCount: totals.params,
    initializerBytes: totals.bytes,
    nodeCount: totals.nodes,
    opTypeCounts: Object.freeze(totals.ops),
    flops: countFlops(graph),
  });
}
