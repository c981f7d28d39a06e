// Message builders shared by the unit tests (not a test file itself).
import type { Image, JointState, PoseStamped } from '../../src/msgs/types.js';

export const MS = 1_000_000n;
export const SEC = 1_000_000_000n;

export function stamp(ns: bigint): { sec: number; nanosec: number } {
  return { sec: Number(ns / SEC), nanosec: Number(ns % SEC) };
}

export function jointState(ns: bigint, names: string[], position: number[]): JointState {
  return { header: { stamp: stamp(ns), frame_id: '' }, name: names, position: Float64Array.from(position), velocity: [], effort: [] };
}

export function pose(ns: bigint, x: number, y: number, yaw: number): PoseStamped {
  return {
    header: { stamp: stamp(ns), frame_id: 'pusht' },
    pose: { position: { x, y, z: 0 }, orientation: { x: 0, y: 0, z: Math.sin(yaw / 2), w: Math.cos(yaw / 2) } },
  };
}

/** An image whose pixel (x, y) has RGB = (x, y, x + y) mod 256, in the given encoding. */
export function image(ns: bigint, width: number, height: number, encoding: string, padding = 0): Image {
  const ch = { rgb8: 3, bgr8: 3, rgba8: 4, bgra8: 4, mono8: 1 }[encoding] ?? 3;
  const step = width * ch + padding;
  const data = new Uint8Array(step * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = [x % 256, y % 256, (x + y) % 256];
      const p = y * step + x * ch;
      if (encoding === 'rgb8' || encoding === 'rgba8') [data[p], data[p + 1], data[p + 2]] = [r, g, b];
      else if (encoding === 'bgr8' || encoding === 'bgra8') [data[p], data[p + 1], data[p + 2]] = [b, g, r];
      else data[p] = r;
      if (ch === 4) data[p + 3] = 255;
    }
  }
  return { header: { stamp: stamp(ns), frame_id: 'camera' }, height, width, encoding, is_bigendian: 0, step, data };
}
