// A fixed-capacity ring of timestamped samples for one observation source. Slots are preallocated by a factory, so
// accepting a message writes into existing memory (no allocation per message on the hot path). Stamps must not go
// backwards: an older stamp than the newest held is refused by the caller (reason `bad_stamp`).

export class SampleRing<T> {
  readonly capacity: number;
  readonly #slots: T[];
  readonly #stamps: BigInt64Array;
  #next = 0; // index the next sample goes to
  #size = 0;

  constructor(capacity: number, makeSlot: () => T) {
    this.capacity = capacity;
    this.#slots = Array.from({ length: capacity }, makeSlot);
    this.#stamps = new BigInt64Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** The slot the next `commit` will publish; fill it first. Until commit it is not visible to readers. */
  reserve(): T {
    return this.#slots[this.#next]!;
  }

  /** Publishes the reserved slot with its stamp (overwriting the oldest sample when full). */
  commit(stampNs: bigint): void {
    this.#stamps[this.#next] = stampNs;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** Position of the i-th newest sample (0 = newest) in slot order; requires i < size. */
  #index(i: number): number {
    return (this.#next - 1 - i + 2 * this.capacity) % this.capacity;
  }

  /** Stamp of the newest sample, or null when empty. */
  newestStamp(): bigint | null {
    return this.#size === 0 ? null : this.#stamps[this.#index(0)]!;
  }

  /** i-th newest sample (0 = newest) with its stamp. */
  at(i: number): { stampNs: bigint; value: T } {
    const j = this.#index(i);
    return { stampNs: this.#stamps[j]!, value: this.#slots[j]! };
  }

  /** Age-rank (0 = newest) of the newest sample with stamp ≤ tNs, or -1 if none. */
  newestAtOrBefore(tNs: bigint): number {
    for (let i = 0; i < this.#size; i++) if (this.#stamps[this.#index(i)]! <= tNs) return i;
    return -1;
  }

  /**
   * Age-rank of the sample nearest to tNs among those at or older than rank `from` (ties → the older sample,
   * and before the oldest sample the oldest is used: Diffusion Policy's padding at the start of an episode).
   */
  nearest(tNs: bigint, from: number): number {
    let best = from;
    let bestDist = absDiff(this.#stamps[this.#index(from)]!, tNs);
    for (let i = from + 1; i < this.#size; i++) {
      const d = absDiff(this.#stamps[this.#index(i)]!, tNs);
      if (d <= bestDist) {
        best = i;
        bestDist = d;
      } else break; // stamps are sorted: distances only grow once past tNs
    }
    return best;
  }
}

function absDiff(a: bigint, b: bigint): bigint {
  return a >= b ? a - b : b - a;
}
