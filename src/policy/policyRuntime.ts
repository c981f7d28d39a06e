// The PolicyRuntime port: how the core asks for one inference. Implemented by the onnxruntime worker
// (onnxPolicy.ts) and by the in-memory fake (fakePolicy.ts).
import type { PolicySpec } from './policySpec.js';

/** One call's inputs, laid out exactly like the ONNX inputs (row-major, batch 1). */
export type PolicyInput = {
  /** float32 [1, To, Ds], raw robot units. */
  readonly state: Float32Array;
  /** uint8 [1, To, H, W, 3] RGB, or null for state-only policies. */
  readonly image: Uint8Array | null;
  /** float32 [1, S, Ha, Da] standard normal. */
  readonly noise: Float32Array;
};

export type InferenceResult =
  /** `action` float32 [1, Ha, Da]; valid until the next `infer` call (it may be a preallocated buffer). */
  | { readonly kind: 'ok'; readonly action: Float32Array; readonly inferenceSec: number }
  /** No result within the budget. The runtime may still be computing (`busy`), and refuses new calls until done. */
  | { readonly kind: 'deadline_miss'; readonly elapsedSec: number; readonly busy: boolean }
  /** The runtime refused its own output (e.g. shape other than the contract's [1, Ha, Da]); no action is given. */
  | { readonly kind: 'invalid_output'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

export interface PolicyRuntime {
  readonly spec: PolicySpec;
  /**
   * Runs one inference. Resolves by `budgetSec` at the latest: with `deadline_miss` if the result is not there yet
   * (the caller sees the deadline pass while the worker still computes). Never rejects.
   */
  infer(input: PolicyInput, budgetSec: number): Promise<InferenceResult>;
  close(): Promise<void>;
}
