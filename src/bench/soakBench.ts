// Bench (s): a soak of the node core — N ticks as fast as the machine allows on simulated time (one tick per 100 ms
// of bag-like time, synthetic sensors fed through the real decoders before each tick, real worker inference), with
// the process RSS, the V8 heap and the tick latency sampled per window of ticks. It answers "does anything grow?":
// RSS growth after warm-up (target < 5 MB) and whether p99 drifts from the first window to the last.
import { validateConfig } from '../config/validateConfig.js';
import { createNode } from '../node/createNode.js';
import { OnnxPolicy } from '../policy/onnxPolicy.js';
import { latencyStats } from './latencyStats.js';
import { feedSyntheticSensors } from './syntheticSensors.js';

export type SoakWindow = {
  readonly ticksDone: number;
  readonly wallSec: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  readonly tickP50Ms: number;
  readonly tickP99Ms: number;
};
export type SoakResult = {
  readonly model: string;
  readonly ticks: number;
  readonly warmupTicks: number;
  readonly outcomes: Record<string, number>;
  readonly windows: readonly SoakWindow[];
  /** RSS at the end of warm-up, the last and the largest sample after it, MB; growth = last − warm-up. */
  readonly rssAfterWarmupMB: number;
  readonly rssLastMB: number;
  readonly rssMaxAfterWarmupMB: number;
  readonly rssGrowthMB: number;
  /** Tick p99 of the first and the last window after warm-up, ms. */
  readonly p99FirstMs: number;
  readonly p99LastMs: number;
  readonly wallSec: number;
};

const MB = 1024 * 1024;

export async function soakBench(modelPath: string, ticks: number, windowTicks: number, progress: (msg: string) => void = () => {}): Promise<SoakResult> {
  const policy = await OnnxPolicy.create({ modelPath, warmupRuns: 20 });
  const config = validateConfig({ modelPath, controlRateHz: 10, deadlineSec: 0.1, recoveryTicks: 1, maxObservationAgeSec: 60, metricsPort: 0 });
  const node = createNode({ config, policy });
  const warmupTicks = Math.min(ticks, Math.max(windowTicks, Math.round(ticks / 10)));
  const outcomes: Record<string, number> = {};
  const windows: SoakWindow[] = [];
  const sample = new Float64Array(windowTicks);
  let filled = 0;
  const wall0 = process.hrtime.bigint();
  try {
    for (let k = 0; k < ticks; k++) {
      const t = BigInt(k) * 100_000_000n;
      feedSyntheticSensors(node, t, k);
      const t0 = process.hrtime.bigint();
      const r = await node.tick(t + 1_000_000n);
      sample[filled++] = Number(process.hrtime.bigint() - t0) / 1e9;
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      if (filled === windowTicks || k === ticks - 1) {
        const st = latencyStats(sample.subarray(0, filled));
        const mem = process.memoryUsage();
        const wallSec = Number(process.hrtime.bigint() - wall0) / 1e9;
        windows.push({ ticksDone: k + 1, wallSec, rssMB: mem.rss / MB, heapUsedMB: mem.heapUsed / MB, tickP50Ms: st.p50 * 1e3, tickP99Ms: st.p99 * 1e3 });
        filled = 0;
        progress(`soak: ${k + 1}/${ticks} ticks, rss ${(mem.rss / MB).toFixed(1)} MB, window p99 ${(st.p99 * 1e3).toFixed(3)} ms`);
      }
    }
  } finally {
    await node.close();
  }
  const after = windows.filter((w) => w.ticksDone > warmupTicks);
  const atWarmup = windows.filter((w) => w.ticksDone <= warmupTicks).at(-1) ?? windows[0]!;
  const last = windows.at(-1)!;
  return {
    model: modelPath,
    ticks,
    warmupTicks,
    outcomes,
    windows,
    rssAfterWarmupMB: atWarmup.rssMB,
    rssLastMB: last.rssMB,
    rssMaxAfterWarmupMB: Math.max(atWarmup.rssMB, ...after.map((w) => w.rssMB)),
    rssGrowthMB: last.rssMB - atWarmup.rssMB,
    p99FirstMs: (after[0] ?? last).tickP99Ms,
    p99LastMs: last.tickP99Ms,
    wallSec: Number(process.hrtime.bigint() - wall0) / 1e9,
  };
}
