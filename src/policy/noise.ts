// Seeded standard-normal noise for the policy's `noise` input — deterministic given (seed, noise index), so a run is
// reproducible and a bag replay bit-identical, and simple enough to reproduce exactly in numpy (docs/node.md has the
// Python twin; test/fixtures/noise_reference.json and noise_stamp_reference.json pin values computed by it).
//
// The node's noise index is a function of the observation stamp t_obs an inference used (the chunk's header.stamp),
// never of how many inferences came before: the chunk published for given observations is then the same live, in a
// replay, and offline, whatever the timing made the node skip or repeat (docs/node.md §6).
//
// Counter-based: no hidden state, element j of index n depends only on (seed, n, j).
//   n          = fmix32(fmix32(hi ^ 0x9E3779B9) ^ lo)                   hi, lo = upper, lower 32 bits of t_obs (uint64 ns)
//   fmix32(h)  = MurmurHash3's finaliser (uint32 → uint32, bijective)
//   key        = fmix32(fmix32(seed ^ 0x9E3779B9) ^ n)
//   bits(j)    = fmix32((key + (j + 1)·0x9E3779B9) mod 2³²)             SplitMix-style Weyl sequence
//   u(j)       = (bits(j) + 0.5) / 2³²                                  ∈ (0, 1), never 0
//   Box–Muller on pairs: r = sqrt(−2 ln u(2p)), z[2p] = r cos(2π u(2p+1)), z[2p+1] = r sin(2π u(2p+1))
//   computed in float64, stored as float32 (an odd last element uses the cosine only).

const GOLDEN = 0x9e3779b9;
const TWO32 = 4294967296;

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function uniform(key: number, j: number): number {
  const bits = fmix32((key + Math.imul(j + 1, GOLDEN)) >>> 0);
  return (bits + 0.5) / TWO32;
}

/** The noise index of an inference on observations stamped `tObsNs` (uint64 ns; the chunk's header.stamp). */
export function noiseIndexOfStamp(tObsNs: bigint): number {
  const t = BigInt.asUintN(64, tObsNs);
  const hi = Number(t >> 32n);
  const lo = Number(t & 0xffffffffn);
  return fmix32((fmix32((hi ^ GOLDEN) >>> 0) ^ lo) >>> 0);
}

/** Fills `out` with the standard-normal noise of noise index `index` (uint32) under `seed`. */
export function fillGaussianNoise(out: Float32Array, seed: number, index: number): void {
  const key = fmix32((fmix32((seed ^ GOLDEN) >>> 0) ^ index) >>> 0);
  const n = out.length;
  for (let j = 0; j < n; j += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform(key, j)));
    const theta = 2 * Math.PI * uniform(key, j + 1);
    out[j] = r * Math.cos(theta);
    if (j + 1 < n) out[j + 1] = r * Math.sin(theta);
  }
}
