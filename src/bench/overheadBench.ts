// Bench (a): what the node adds on top of onnxruntime. Raw = `await session.run` on the main thread. Tick = the whole
// `node.tick()` on the same model through the worker: observation assembly, seeded noise, shared-memory hand-off,
// worker wake-up, inference, output-shape check, validation, time-indexing, both messages. Sensor decoding happens
// on message arrival and is not part of the tick. Raw and tick samples alternate one by one, and the overhead is the
// distribution of the PAIRED differences (tick i − raw i): machine load that comes and goes hits both halves of a
// pair alike, so the figure is stable under load where a difference of two separately taken percentiles is not.
// Wall time still includes what load adds to the tick alone: its two thread hand-offs (main → worker → main) each
// wait for a CPU, which on a saturated machine costs milliseconds. So the CPU time of the process (all threads,
// getrusage) is paired the same way: the work the node adds per tick, whatever the scheduler does.
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
  /** Paired differences of process CPU time (user + system, all threads), tick i − raw i, s (ok ticks only). */
  readonly pairedCpuOverhead: LatencyStats;
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
  const pairedCpu: number[] = [];
  const cpuSec = (since: NodeJS.CpuUsage): number => {
    const d = process.cpuUsage(since);
    return (d.user + d.system) / 1e6;
  };
  const outcomes: Record<string, number> = {};
  try {
    for (let k = 0; rawSec.length < n; k++) {
      const c0 = process.cpuUsage();
      const rawOne = await raw.run();
      const rawCpu = cpuSec(c0);
      const t = BigInt(k) * 100_000_000n;
      feedSyntheticSensors(node, t, k);
      const c1 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const r = await node.tick(t + 1_000_000n);
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      const tickCpu = cpuSec(c1);
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      rawSec.push(rawOne);
      if (r.outcome === 'ok' && r.inferenceSec !== null) {
        tickSec.push(dt);
        inferSec.push(r.inferenceSec);
        paired.push(dt - rawOne);
        pairedCpu.push(tickCpu - rawCpu);
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
    pairedCpuOverhead: latencyStats(pairedCpu),
    overheadP50Sec: pairedOverhead.p50,
    overheadP99Sec: pairedOverhead.p99,
    outcomes,
  };
}
