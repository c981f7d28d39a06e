// What a replay measures, reduced to the summary: ticks by outcome, latency percentiles, watchdog transitions,
// and the RMSE between what the node commanded for time t and what the demonstrator commanded at t.
import type { ActionChunk, JointState } from '../msgs/index.js';
import { timeToNs } from '../msgs/index.js';

/** Linear-interpolated quantile (numpy's default), q in [0, 1]; null for no samples. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface LatencySummary {
  n: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

export function summariseLatency(secondsList: readonly number[]): LatencySummary {
  const ms = [...secondsList].map((s) => s * 1e3).sort((a, b) => a - b);
  const r = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4);
  return { n: ms.length, p50_ms: r(quantile(ms, 0.5)), p99_ms: r(quantile(ms, 0.99)), max_ms: r(ms.at(-1) ?? null) };
}

interface StoredChunk {
  stampNs: bigint;
  dtNs: bigint;
  firstStepOffset: number;
  horizon: number;
  names: string[];
  data: ArrayLike<number>;
}

/**
 * RMSE of commanded vs recorded actions. For each recorded command at time t, the commanded action is the step for
 * t of the newest published chunk that has one (the node drops rows already due when it publishes, so the chunk
 * published at t starts at t + dt and the command for t comes from an earlier tick — what a controller following
 * the chunks would execute at t). Recorded commands that no chunk covers are counted as unmatched, not guessed.
 */
export class CommandRmse {
  readonly #chunks: StoredChunk[] = [];
  #sumSq = 0;
  #nValues = 0;
  nMatched = 0;
  nUnmatched = 0;

  onChunk(chunk: ActionChunk): void {
    this.#chunks.push({
      stampNs: timeToNs(chunk.header.stamp),
      dtNs: BigInt(Math.round(chunk.dt_sec * 1e9)),
      firstStepOffset: chunk.first_step_offset,
      horizon: chunk.horizon,
      names: [...chunk.names],
      data: Array.from(chunk.data),
    });
    if (this.#chunks.length > 64) this.#chunks.shift();
  }

  /** Step index of time `ns` in chunk `c`, or -1 when `c` has no row for exactly that time. */
  static #row(c: StoredChunk, ns: bigint): number {
    if (c.dtNs <= 0n) return -1;
    const offsetNs = ns - c.stampNs;
    if (offsetNs % c.dtNs !== 0n) return -1;
    const k = Number(offsetNs / c.dtNs) - c.firstStepOffset;
    return k >= 0 && k < c.horizon ? k : -1;
  }

  /** A recorded command (JointState positions by name) at time `ns`, given after the chunks published up to `ns`. */
  onRecorded(ns: bigint, cmd: JointState): void {
    for (let i = this.#chunks.length - 1; i >= 0; i--) {
      const c = this.#chunks[i]!;
      const k = CommandRmse.#row(c, ns);
      if (k < 0) continue;
      const D = c.names.length;
      let used = 0;
      for (let d = 0; d < D; d++) {
        const j = cmd.name.indexOf(c.names[d]!);
        const recorded = j < 0 ? undefined : cmd.position[j];
        if (recorded === undefined) continue;
        const diff = c.data[k * D + d]! - recorded;
        this.#sumSq += diff * diff;
        this.#nValues += 1;
        used += 1;
      }
      if (used > 0) {
        this.nMatched += 1;
        return;
      }
    }
    this.nUnmatched += 1;
  }

  get rmse(): number | null {
    return this.#nValues === 0 ? null : Math.sqrt(this.#sumSq / this.#nValues);
  }
}
