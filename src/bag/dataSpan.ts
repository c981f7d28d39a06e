// The stretch of a bag that a replay covers. Log times are split into runs wherever nothing was logged for `gapNs`;
// the run holding the most messages is the data, and anything outside it is an outlier (one message logged a year
// late, or at t≈0, by a recorder with a broken clock). Without this bound one such message stretched the tick grid
// over a year: the replay ran out of memory before its first tick.
import type { BagReader } from './bagReader.js';

export interface DataSpan {
  /** First and last log time of the main run (all topics), ns. */
  startNs: bigint;
  endNs: bigint;
  /** First log time of each `inputs` topic within the run. */
  firstByTopic: Map<string, bigint>;
  /** Last log time of an `inputs` message within the run (−1 when none), ns. */
  lastInputNs: bigint;
  /** Messages outside the run. */
  outliers: number;
}

type Run = { startNs: bigint; endNs: bigint; count: number; firstByTopic: Map<string, bigint>; lastInputNs: bigint };

/** One pass over the bag (messages come in log-time order). */
export async function dataSpan(bag: BagReader, inputs: ReadonlySet<string>, gapNs: bigint): Promise<DataSpan> {
  let best: Run | null = null;
  let run: Run | null = null;
  let total = 0;
  for await (const m of bag.messages()) {
    total += 1;
    if (run === null || m.logTimeNs - run.endNs > gapNs) {
      if (run !== null && (best === null || run.count > best.count)) best = run;
      run = { startNs: m.logTimeNs, endNs: m.logTimeNs, count: 0, firstByTopic: new Map(), lastInputNs: -1n };
    }
    run.endNs = m.logTimeNs;
    run.count += 1;
    if (inputs.has(m.topic)) {
      if (!run.firstByTopic.has(m.topic)) run.firstByTopic.set(m.topic, m.logTimeNs);
      run.lastInputNs = m.logTimeNs;
    }
  }
  if (run !== null && (best === null || run.count > best.count)) best = run;
  if (best === null) return { startNs: 0n, endNs: -1n, firstByTopic: new Map(), lastInputNs: -1n, outliers: 0 };
  return { startNs: best.startNs, endNs: best.endNs, firstByTopic: best.firstByTopic, lastInputNs: best.lastInputNs, outliers: total - best.count };
}
