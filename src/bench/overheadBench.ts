// Bench (a): what the node adds on top of onnxruntime. Raw = `await session.run` on the main thread. Tick = the whole
// `node.tick()` on the same model through the worker: observation assembly, seeded noise, shared-memory hand-off,
// worker wake-up, inference, validation, time-indexing, both messages. Sensor decoding happens on message arrival and
// is not part of the tick. Raw and tick samples are taken in interleaved blocks so machine load hits both alike.
import { validateConfig } from '../config/validateConfig.js';
import { createNode } from '../node/createNode.js';
import { OnnxPolicy } from '../policy/onnxPolicy.js';
import { latencyStats, type LatencyStats } from './latencyStats.js';
import { openRawSession } from './rawLatency.js';
import { feedSyntheticSensors } from './syntheticSensors.js';

export type OverheadResult = {
  readonly model: string;
  readonly raw: LatencyStats;
  readonly tick: LatencyStats;
  /** Inference time measured inside the worker around session.run. */
  readonly workerInference: LatencyStats;
  readonly overheadP50Sec: number;
  readonly overheadP99Sec: number;
  readonly outcomes: Record<string, number>;
};

export async function overheadBench(modelPath: string, n: number, progress: (msg: string) => void = () => {}): Promise<OverheadResult> {
  const policy = await OnnxPolicy.create({ modelPath, warmupRuns: 20 });
  const raw = await openRawSession(modelPath, policy.spec);
  const config = validateConfig({ modelPath, controlRateHz: 10, deadlineSec: 0.1, recoveryTicks: 1, maxObservationAgeSec: 60, metricsPort: 0 });
  const node = createNode({ config, policy });
  const rawSec: number[] = [];
  const tickSec: number[] = [];
  const inferSec: number[] = [];
  const outcomes: Record<string, number> = {};
  const block = 100;
  let k = 0;
  try {
    while (rawSec.length < n) {
      for (let i = 0; i < block && rawSec.length < n; i++) rawSec.push(await raw.run());
      for (let i = 0; i < block && tickSec.length < n; i++, k++) {
        const t = BigInt(k) * 100_000_000n;
        feedSyntheticSensors(node, t, k);
        const t0 = process.hrtime.bigint();
        const r = await node.tick(t + 1_000_000n);
        const dt = Number(process.hrtime.bigint() - t0) / 1e9;
        outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
        if (r.outcome === 'ok' && r.inferenceSec !== null) {
          tickSec.push(dt);
          inferSec.push(r.inferenceSec);
        }
      }
      progress(`overhead: ${rawSec.length}/${n}`);
    }
  } finally {
    await raw.release();
    await node.close();
  }
  const rawStats = latencyStats(rawSec);
  const tickStats = latencyStats(tickSec);
  return {
    model: modelPath,
    raw: rawStats,
    tick: tickStats,
    workerInference: latencyStats(inferSec),
    overheadP50Sec: tickStats.p50 - rawStats.p50,
    overheadP99Sec: tickStats.p99 - rawStats.p99,
    outcomes,
  };
}
