// Temporal ensembling of overlapping chunks (ACT, Zhao et al. 2023): each future step of the newest chunk becomes
// a weighted mean over every stored chunk that covers that instant, weight exp(−m·i) with i = 0 for the OLDEST
// chunk (ACT's convention: older predictions anchor, m sets how fast new ones take over). Chunks on different time
// grids are compared by linear interpolation at the newest chunk's row times.
import { rowTimeNs, valueAt, type TimedChunk } from './timedChunk.js';

export class TemporalEnsemble {
  readonly #decay: number;
  readonly #maxChunks: number;
  #chunks: TimedChunk[] = [];

  constructor(decay: number, maxChunks: number) {
    this.#decay = decay;
    this.#maxChunks = maxChunks;
  }

  get size(): number {
    return this.#chunks.length;
  }

  clear(): void {
    this.#chunks = [];
  }

  /** Adds `fresh` (already without due rows) and returns the ensembled chunk on fresh's time grid. */
  add(fresh: TimedChunk, nowNs: bigint): TimedChunk {
    // Chunks that end before now cannot contribute any more.
    this.#chunks = this.#chunks.filter((c) => c.rows > 0 && rowTimeNs(c, c.rows - 1) > nowNs);
    this.#chunks.push(fresh);
    if (this.#chunks.length > this.#maxChunks) this.#chunks.splice(0, this.#chunks.length - this.#maxChunks);
    const D = fresh.dims;
    const data = new Float64Array(fresh.rows * D);
    const v = new Float64Array(D);
    for (let r = 0; r < fresh.rows; r++) {
      const t = rowTimeNs(fresh, r);
      let wsum = 0;
      for (let i = 0; i < this.#chunks.length; i++) {
        if (!valueAt(this.#chunks[i]!, t, v)) continue;
        const w = Math.exp(-this.#decay * i);
        wsum += w;
        for (let d = 0; d < D; d++) data[r * D + d]! += w * v[d]!;
      }
      for (let d = 0; d < D; d++) data[r * D + d]! /= wsum; // wsum > 0: fresh covers its own rows
    }
    return { ...fresh, data };
  }
}
