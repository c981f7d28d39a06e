// Pixel-format conversion + resize into the model's H×W×3 RGB uint8 layout in one pass (pure, no allocation).
// Same size: an exact channel copy (bit-identical to the source). Otherwise bilinear with half-pixel centres, the
// convention of OpenCV's INTER_LINEAR, so frames resized here match frames resized with cv2.resize in Python.

/** Where R, G and B sit inside one source pixel of `channels` bytes (mono8: all three at 0). */
export type ChannelLayout = { readonly channels: number; readonly r: number; readonly g: number; readonly b: number };

export const LAYOUTS: Readonly<Record<string, ChannelLayout>> = Object.freeze({
  rgb8: { channels: 3, r: 0, g: 1, b: 2 },
  bgr8: { channels: 3, r: 2, g: 1, b: 0 },
  rgba8: { channels: 4, r: 0, g: 1, b: 2 },
  bgra8: { channels: 4, r: 2, g: 1, b: 0 },
  mono8: { channels: 1, r: 0, g: 0, b: 0 },
});

export type SourceImage = {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Bytes per row (≥ width·channels). */
  readonly step: number;
  readonly layout: ChannelLayout;
};

type Axis = { i0: Int32Array; i1: Int32Array; w1: Float32Array };
const axisCache = new Map<string, Axis>();

/** Source indices and weights of each destination coordinate along one axis (cached per size pair). */
function axis(src: number, dst: number): Axis {
  const key = `${src}>${dst}`;
  let a = axisCache.get(key);
  if (a === undefined) {
    a = { i0: new Int32Array(dst), i1: new Int32Array(dst), w1: new Float32Array(dst) };
    const scale = src / dst;
    for (let d = 0; d < dst; d++) {
      let s = (d + 0.5) * scale - 0.5;
      if (s < 0) s = 0;
      const s0 = Math.min(Math.floor(s), src - 1);
      a.i0[d] = s0;
      a.i1[d] = Math.min(s0 + 1, src - 1);
      a.w1[d] = s - s0;
    }
    if (axisCache.size > 64) axisCache.clear();
    axisCache.set(key, a);
  }
  return a;
}

/** Writes `src` as RGB into `dst` (length dstW·dstH·3). */
export function resizeToRgb(src: SourceImage, dst: Uint8Array, dstW: number, dstH: number): void {
  const { data, width, height, step, layout } = src;
  const { channels: C, r, g, b } = layout;
  if (width === dstW && height === dstH) {
    let o = 0;
    for (let y = 0; y < height; y++) {
      let p = y * step;
      for (let x = 0; x < width; x++, p += C) {
        dst[o++] = data[p + r]!;
        dst[o++] = data[p + g]!;
        dst[o++] = data[p + b]!;
      }
    }
    return;
  }
  const ax = axis(width, dstW);
  const ay = axis(height, dstH);
  const offs = [r, g, b] as const;
  let o = 0;
  for (let y = 0; y < dstH; y++) {
    const row0 = ay.i0[y]! * step;
    const row1 = ay.i1[y]! * step;
    const wy = ay.w1[y]!;
    for (let x = 0; x < dstW; x++) {
      const c0 = ax.i0[x]! * C;
      const c1 = ax.i1[x]! * C;
      const wx = ax.w1[x]!;
      for (let k = 0; k < 3; k++) {
        const ch = offs[k]!;
        const top = data[row0 + c0 + ch]! * (1 - wx) + data[row0 + c1 + ch]! * wx;
        const bot = data[row1 + c0 + ch]! * (1 - wx) + data[row1 + c1 + ch]! * wx;
        dst[o++] = Math.round(top * (1 - wy) + bot * wy);
      }
    }
  }
}
