// Bench (a), reference side: onnxruntime-node's own latency — `await session.run` on the main thread, same model,
// same session options as the worker (1 intra-op, 1 inter-op thread, sequential, full optimisation), fixed inputs.
import * as ort from 'onnxruntime-node';
import type { PolicySpec } from '../policy/policySpec.js';
import { tensorSizes } from '../policy/policySpec.js';

export type RawSession = { run(): Promise<number>; release(): Promise<void> };

export async function openRawSession(modelPath: string, spec: PolicySpec, threads = 1): Promise<RawSession> {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const sizes = tensorSizes(spec);
  const To = spec.nObsSteps;
  const feeds: Record<string, ort.Tensor> = {
    state: new ort.Tensor('float32', new Float32Array(sizes.state).fill(256), [1, To, spec.stateNames.length]),
    noise: new ort.Tensor('float32', new Float32Array(sizes.noise).fill(0.1), [...spec.noiseShape]),
  };
  if (spec.image !== null) feeds['image'] = new ort.Tensor('uint8', new Uint8Array(sizes.image).fill(128), [1, To, spec.image.height, spec.image.width, 3]);
  for (let i = 0; i < 5; i++) await session.run(feeds);
  return {
    async run() {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      return Number(process.hrtime.bigint() - t0) / 1e9;
    },
    release: () => session.release(),
  };
}
