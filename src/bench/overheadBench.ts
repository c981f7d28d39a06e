// Bench (a): what the node adds on top of onnxruntime. Raw = `await session.run` on the main thread. Tick = the whole
// `node.tick()` on the same model through the worker: observation assembly, seeded noise, shared-memory hand-off,
// worker wake-up, inference, output-shape check, validation, time-indexing, both messages. Sensor decoding happens
// on message arrival and is not part of the tick. Raw and tick samples alternate one by one, and the overhead is the
// distribution of the PAIRED differences (tick i − raw i): machine load that comes and goes hits both halves of a
// pair alike, so the figure is stable under load where a difference of two separately taken percentiles is not.
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
  /** Paired differences tick i − raw i, s (ok ticks only). */
  readonly pairedOverhead: LatencyStats;
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
  const paired: number[] = [];
  const outcomes: Record<string, number> = {};
  try {
    for (let k = 0; rawSec.length < n; k++) {
      const rawOne = await raw.run();
      const t = BigInt(k) * 100_000_000n;
      feedSyntheticSensors(node, t, k);
      const t0 = process.hrtime.bigint();
      const r = await node.tick(t + 1_000_000n);
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      rawSec.push(rawOne);
      if (r.outcome === 'ok' && r.inferenceSec !== null) {
        tickSec.push(dt);
        inferSec.push(r.inferenceSec);
        paired.push(dt - rawOne);
      }
      if ((k + 1) % 100 === 0) progress(`overhead: ${k + 1}/${n}`);
    }
  } finally {
    await raw.release();
    await node.close();
  }
  const pairedOverhead = latencyStats(paired);
  return {
    model: modelPath,
    raw: latencyStats(rawSec),
    tick: latencyStats(tickSec),
    workerInference: latencyStats(inferSec),
    pairedOverhead,
    overheadP50Sec: pairedOverhead.p50,
    overheadP99Sec: pairedOverhead.p99,
    outcomes,
  };
}
