// Bench (c): deadline misses of the live loop (drift-free schedule, worker inference) at a given rate while another
// process keeps the second core busy. Sensors are simulated at the policy's observation rate (10 Hz for Push-T) and
// flow through the real decoders; every tick is a real inference with the student. Both drivers use the live
// node's TickScheduler: `timer` (default) wakes it through timerDriver from a periodic timer, the path `oneflow run`
// takes from its rclnodejs timer; `loop` is runLoop, which sleeps until each slot.
import { validateConfig } from '../config/validateConfig.js';
import { createNode } from '../node/createNode.js';
import type { TickReport } from '../node/api.js';
import { runLoop, type RunLoopStats } from '../node/runLoop.js';
import { TickScheduler } from '../node/tickScheduler.js';
import { timerDriver } from '../node/timerDriver.js';
import type { OnnxPolicy } from '../policy/onnxPolicy.js';
import { MemoryMetrics } from '../telemetry/memoryMetrics.js';
import { latencyStats, type LatencyStats } from './latencyStats.js';
import { periodicTimer } from './periodicTimer.js';
import { feedSyntheticSensors } from './syntheticSensors.js';

export const BENCH_DRIVERS = ['timer', 'loop'] as const;
export type BenchDriver = (typeof BENCH_DRIVERS)[number];

export type DeadlineResult = {
  readonly driver: BenchDriver;
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

/** The timer driver: a drift-free periodic timer → timerDriver → TickScheduler → node.tick, until `ticks` ticks. */
async function timerTicks(
  node: ReturnType<typeof createNode>,
  rateHz: number,
  ticks: number,
  nowNs: () => bigint,
  hooks: { beforeTick: (slotNs: bigint) => void; afterTick: (r: TickReport, lateNs: bigint) => void },
): Promise<RunLoopStats> {
  const periodNs = BigInt(Math.round(1e9 / rateHz));
  const scheduler = new TickScheduler(periodNs, nowNs());
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const driver = timerDriver(node, scheduler, nowNs, {
    beforeTick: hooks.beforeTick,
    afterTick: (r, lateNs) => {
      hooks.afterTick(r, lateNs ?? 0n);
      if (scheduler.stats.ticks >= ticks) finished();
    },
  });
  const timer = periodicTimer(periodNs, nowNs, (info) => {
    if (scheduler.stats.ticks < ticks) driver.onTimer(info);
  });
  await done;
  timer.cancel();
  await driver.idle();
  const { skippedSlots, maxStartLateNs } = scheduler.stats;
  return { ticks: scheduler.stats.ticks, skippedSlots, maxStartLateNs };
}

export async function deadlineBench(
  policy: OnnxPolicy,
  modelPath: string,
  rateHz: number,
  ticks: number,
  progress: (msg: string) => void = () => {},
  spinSec = 0.0005,
  driver: BenchDriver = 'timer',
): Promise<DeadlineResult> {
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
  const beforeTick = (slot: bigint): void => {
    if (slot - lastSensor >= sensorPeriodNs) {
      feedSyntheticSensors(node, slot, k++);
      lastSensor = slot;
    }
  };
  const afterTick = (r: TickReport, lateNs: bigint): void => {
    late.push(Number(lateNs) / 1e9);
    if (r.inferenceSec !== null) inference.push(r.inferenceSec);
    if (r.outcome !== 'ok' && notOk.length < 200) {
      notOk.push({ tick: r.tick, atSec: Number(process.hrtime.bigint() - t0) / 1e9, outcome: r.outcome, detail: r.detail, startLateSec: Number(lateNs) / 1e9 });
    }
    if ((r.tick + 1) % Math.max(1, Math.round(rateHz * 10)) === 0)
      progress(`deadline ${rateHz} Hz: ${r.tick + 1}/${ticks} ticks, misses ${metrics.ticks.get('deadline_miss') ?? 0}`);
  };
  const stats =
    driver === 'timer'
      ? await timerTicks(node, rateHz, ticks, clock.nowNs, { beforeTick, afterTick })
      : await runLoop(node, { rateHz, nowNs: clock.nowNs, maxTicks: ticks, spinSec, beforeTick, afterTick });
  const outcomes = Object.fromEntries(metrics.ticks);
  return {
    driver,
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
