// A fixed-capacity ring of timestamped samples for one observation source. Slots are preallocated by a factory, so
// accepting a message writes into existing memory (no allocation per message on the hot path). Stamps must not go
// backwards: an older stamp than the newest held is refused by the caller (reason `bad_stamp`).
//
// Decoders write field by field and may refuse a message half-way (a NaN in the second joint), so they never write
// into a live sample: `reserve()` hands out a spare scratch slot, and `commit()` swaps it into the ring (the retired
// oldest sample becomes the next scratch slot). A message that is not committed leaves every stored sample intact.

export class SampleRing<T> {
  readonly capacity: number;
  readonly #slots: T[];
  readonly #stamps: BigInt64Array;
  #scratch: T;
  #next = 0; // index the next sample goes to
  #size = 0;

  constructor(capacity: number, makeSlot: () => T) {
    this.capacity = capacity;
    this.#slots = Array.from({ length: capacity }, makeSlot);
    this.#stamps = new BigInt64Array(capacity);
    this.#scratch = makeSlot();
  }

  get size(): number {
    return this.#size;
  }

  /** The scratch slot the next `commit` will publish; fill it first. Until commit it is not visible to readers. */
  reserve(): T {
    return this.#scratch;
  }

  /** Publishes the reserved slot with its stamp (retiring the oldest sample when full). */
  commit(stampNs: bigint): void {
    const retired = this.#slots[this.#next]!;
    this.#slots[this.#next] = this.#scratch;
    this.#scratch = retired;
    this.#stamps[this.#next] = stampNs;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** Forgets every sample (slots stay allocated). */
  clear(): void {
    this.#size = 0;
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
