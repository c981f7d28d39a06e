// One onnxruntime session the way every OneFlow runtime opens it [adapter: onnxruntime-node], and the output-shape
// check every run passes. Used by the inference worker (onnxWorker.ts), the start-up probe (probeProcess.ts) and the
// raw-latency bench, so all three measure and check the same thing. Session options are pinned: thread counts,
// sequential execution, full graph optimisation (runtime.md §5).
import * as ort from 'onnxruntime-node';
import type { PolicyShapes } from './policySpec.js';

export type SessionThreads = { readonly intraOpThreads: number; readonly interOpThreads: number };

export function openSession(modelPath: string, threads: SessionThreads): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads.intraOpThreads,
    interOpNumThreads: threads.interOpThreads,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
  });
}

/** Input tensors over the given arrays (kept, not copied: refill the arrays and run again). */
export function policyFeeds(shapes: PolicyShapes, data: { state: Float32Array; noise: Float32Array; image: Uint8Array }): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    state: new ort.Tensor('float32', data.state, [...shapes.state]),
    noise: new ort.Tensor('float32', data.noise, [...shapes.noise]),
  };
  if (shapes.image !== null) feeds['image'] = new ort.Tensor('uint8', data.image, [...shapes.image]);
  return feeds;
}

/**
 * Why a run's `action` output breaks the contract (dtype float32, exactly the declared dims), or null when it fits.
 * A graph may declare [1,16,2] and compute [1,8,2] (data-dependent Slice, Reshape): only the run shows it.
 */
export function outputProblem(output: ort.Tensor | undefined, declared: readonly number[]): string | null {
  if (output === undefined) return `no output named 'action'`;
  const dims = output.dims;
  if (dims.length !== declared.length || dims.some((d, i) => d !== declared[i])) {
    return `output 'action' has shape [${dims.join(',')}], the contract declares [${declared.join(',')}]`;
  }
  if (output.type !== 'float32') return `output 'action' has type ${output.type}, the contract declares float32`;
  return null;
}
