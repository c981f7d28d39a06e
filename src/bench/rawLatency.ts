// Bench (a), reference side: onnxruntime-node's own latency — `await session.run` on the main thread, same model,
// same session (ortSession.ts: 1 intra-op, 1 inter-op thread, sequential, full optimisation), fixed inputs.
import type { PolicySpec } from '../policy/policySpec.js';
import { tensorShapes, tensorSizes } from '../policy/policySpec.js';
import { openSession, policyFeeds } from '../policy/ortSession.js';

export type RawSession = { run(): Promise<number>; release(): Promise<void> };

export async function openRawSession(modelPath: string, spec: PolicySpec, threads = 1): Promise<RawSession> {
  const session = await openSession(modelPath, { intraOpThreads: threads, interOpThreads: 1 });
  const sizes = tensorSizes(spec);
  const feeds = policyFeeds(tensorShapes(spec), {
    state: new Float32Array(sizes.state).fill(256),
    noise: new Float32Array(sizes.noise).fill(0.1),
    image: new Uint8Array(sizes.image).fill(128),
  });
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
