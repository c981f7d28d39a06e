// Plain data types describing an ONNX policy file as `oneflow inspect` and the node see it.
import type { PolicyMetadata } from './policyMetadata.js';

/** A dimension: a number when static, the symbol when symbolic (`batch`), null when unknown. */
export type Dim = number | string | null;

export type TensorSignature = {
  readonly name: string;
  /** onnxruntime-node spelling: float32, uint8, int64, ... */
  readonly elemType: string;
  /** null when the file gives no shape at all. */
  readonly shape: readonly Dim[] | null;
};

export type FlopReport = {
  /** Floating-point operations per inference (one call of the graph), 2 per multiply-accumulate. */
  readonly total: number;
  /** Same total split by operator type (Conv, ConvTranspose, Gemm, MatMul). */
  readonly byOpType: Readonly<Record<string, number>>;
  /** Loops: their trip count and the FLOPs of one body execution. */
  readonly loops: readonly { readonly node: string; readonly tripCount: number | null; readonly bodyFlops: number }[];
  /** Nodes whose FLOPs could not be determined (missing shapes, unknown trip count); `total` excludes them. */
  readonly unresolved: readonly { readonly node: string; readonly opType: string; readonly reason: string }[];
};

export type OnnxModel = {
  readonly irVersion: number;
  readonly opsetImports: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graphName: string;
  /** Graph inputs the caller feeds (initializers listed as inputs by old exporters are excluded). */
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  readonly metadataProps: Readonly<Record<string, string>>;
  /** Parsed `metadata_props["oneflow.policy"]`; null when absent or invalid (see `policyError`). */
  readonly policy: PolicyMetadata | null;
  /** Why `policy` is null (absent, not JSON, schema violation), or null when it parsed. */
  readonly policyError: string | null;
  /** Elements of all floating-point initializers, subgraphs included. */
  readonly parameterCount: number;
  /** Bytes of all initializers (raw or typed data), subgraphs included. */
  readonly initializerBytes: number;
  /** Nodes in the graph and all its subgraphs (a Loop body counts once). */
  readonly nodeCount: number;
  readonly opTypeCounts: Readonly<Record<string, number>>;
  readonly flops: FlopReport;
};

/** An ONNX file as read from disk: the parsed model plus file facts. */
export type OnnxModelFile = OnnxModel & {
  readonly path: string;
  readonly fileSizeBytes: number;
  readonly sha256: string;
};
