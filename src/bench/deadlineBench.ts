// Bench (c): deadline misses of the live loop (drift-free schedule, worker inference) at a given rate while another
// process keeps the second core busy. Sensors are simulated at the policy's observation rate (10 Hz for Push-T) and
// flow through the real decoders; every tick is a real inference with the student.
import { validateConfig } from '../config/validateConfig.js';
import { createNode } from '../node/createNode.js';
import { runLoop } from '../node/runLoop.js';
import type { OnnxPolicy } from '../policy/onnxPolicy.js';
import { MemoryMetrics } from '../telemetry/memoryMetrics.js';
import { latencyStats, type LatencyStats } from './latencyStats.js';
import { feedSyntheticSensors } from './syntheticSensors.js';

export type DeadlineResult = {
  readonly rateHz: number;
  readonly deadlineSec: number;
  readonly ticks: number;
  readonly deadlineMisses: number;
  readonly outcomes: Record<string, number>;
  readonly skippedSlots: number;
  readonly tick: LatencyStats;
  /** Inference time inside the worker on ok ticks. */
  readonly inference: LatencyStats;
  readonly startLate: LatencyStats;
  /** The first 200 non-ok ticks: when (s since start), why, how late the tick started. */
  readonly notOk: { tick: number; atSec: number; outcome: string; detail: string; startLateSec: number }[];
  readonly wallSec: number;
};

export async function deadlineBench(policy: OnnxPolicy, modelPath: string, rateHz: number, ticks: number, progress: (msg: string) => void = () => {}, spinSec = 0.0005): Promise<DeadlineResult> {
  const config = validateConfig({ modelPath, controlRateHz: rateHz, recoveryTicks: 3, metricsPort: 0 });
  const metrics = new MemoryMetrics();
  const clock = { nowNs: () => process.hrtime.bigint() };
  const node = createNode({ config, policy, metrics, clock });
  const sensorPeriodNs = BigInt(Math.round(policy.spec.obsIntervalSec * 1e9));
  let lastSensor = -sensorPeriodNs;
  let k = 0;
  const late: number[] = [];
  const inference: number[] = [];
  const notOk: DeadlineResult['notOk'] = [];
  const t0 = process.hrtime.bigint();
  const stats = await runLoop(node, {
    rateHz,
    nowNs: clock.nowNs,
    maxTicks: ticks,
    spinSec,
    beforeTick: (slot) => {
      if (slot - lastSensor >= sensorPeriodNs) {
        feedSyntheticSensors(node, slot, k++);
        lastSensor = slot;
      }
    },
    afterTick: (r, lateNs) => {
      late.push(Number(lateNs) / 1e9);
      if (r.inferenceSec !== null) inference.push(r.inferenceSec);
      if (r.outcome !== 'ok' && notOk.length < 200) {
        notOk.push({ tick: r.tick, atSec: Number(process.hrtime.bigint() - t0) / 1e9, outcome: r.outcome, detail: r.detail, startLateSec: Number(lateNs) / 1e9 });
      }
      if ((r.tick + 1) % Math.max(1, Math.round(rateHz * 10)) === 0) progress(`deadline ${rateHz} Hz: ${r.tick + 1}/${ticks} ticks, misses ${metrics.ticks.get('deadline_miss') ?? 0}`);
    },
  });
  const outcomes = Object.fromEntries(metrics.ticks);
  return {
    rateHz,
    deadlineSec: config.deadlineSec,
    ticks: stats.ticks,
    deadlineMisses: metrics.ticks.get('deadline_miss') ?? 0,
    outcomes,
    skippedSlots: stats.skippedSlots,
    tick: latencyStats(metrics.tickSec),
    inference: latencyStats(inference),
    startLate: latencyStats(late),
    wallSec: Number(process.hrtime.bigint() - t0) / 1e9,
    notOk,
  };
}
