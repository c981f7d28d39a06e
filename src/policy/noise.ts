// Seeded standard-normal noise for the policy's `noise` input — deterministic given (seed, call index), so a run is
// reproducible and a bag replay bit-identical, and simple enough to reproduce exactly in numpy (docs/node.md has the
// Python twin; test/fixtures/noise_reference.json pins values computed by it).
//
// Counter-based: no hidden state, element j of call n depends only on (seed, n, j).
//   fmix32(h)  = MurmurHash3's finaliser (uint32 → uint32, bijective)
//   key        = fmix32(fmix32(seed ^ 0x9E3779B9) ^ n)                  n = inference call index (uint32)
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

/** Fills `out` with the standard-normal noise of inference call `call` under `seed`. */
export function fillGaussianNoise(out: Float32Array, seed: number, call: number): void {
  const key = fmix32((fmix32((seed ^ GOLDEN) >>> 0) ^ call) >>> 0);
  const n = out.length;
  for (let j = 0; j < n; j += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform(key, j)));
    const theta = 2 * Math.PI * uniform(key, j + 1);
    out[j] = r * Math.cos(theta);
    if (j + 1 < n) out[j + 1] = r * Math.sin(theta);
  }
}
