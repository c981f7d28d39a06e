// sensor_msgs/CompressedImage (jpeg or png) → the model's H×W×3 RGB frame. Pure-JS decoders: jpeg-js 0.4.4 and
// pngjs 7.0.0 (no native code, so the core runs wherever Node runs). The format field must name jpeg or png and the
// payload's magic bytes must agree. Decoding a 640×480 JPEG costs a few ms: fine at camera rates, and it happens on
// message arrival, not inside the tick.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { CompressedImage } from '../msgs/types.js';
import { LAYOUTS, resizeToRgb } from './imageResize.js';
import { reject, type Rejection } from './rejection.js';

const MAX_MEGAPIXELS = 50;

function kindOfBytes(d: Uint8Array): 'jpeg' | 'png' | null {
  if (d.length >= 3 && d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff) return 'jpeg';
  if (d.length >= 8 && d[0] === 0x89 && d[1] === 0x50 && d[2] === 0x4e && d[3] === 0x47) return 'png';
  return null;
}

function kindOfFormat(format: string): 'jpeg' | 'png' | null {
  const f = format.toLowerCase();
  if (f.includes('png')) return 'png';
  if (f.includes('jpeg') || f.includes('jpg')) return 'jpeg';
  return null;
}

export function decodeCompressedImage(msg: CompressedImage, out: Uint8Array, outW: number, outH: number): Rejection {
  if (msg === null || typeof msg !== 'object' || !(msg.data instanceof Uint8Array) || typeof msg.format !== 'string') {
    return reject('malformed', 'CompressedImage without format string and Uint8Array data');
  }
  const declared = kindOfFormat(msg.format);
  if (declared === null) return reject('encoding', `format '${msg.format}' is neither jpeg nor png`);
  const actual = kindOfBytes(msg.data);
  if (actual !== declared) {
    return reject('decode_error', `format says ${declared} but the ${msg.data.length} payload bytes start like ${actual ?? 'neither jpeg nor png'}`);
  }
  let rgba: { width: number; height: number; data: Uint8Array };
  try {
    if (actual === 'jpeg') {
      rgba = jpeg.decode(msg.data, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 512 });
    } else {
      const png = PNG.sync.read(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
      rgba = { width: png.width, height: png.height, data: png.data };
    }
  } catch (err) {
    return reject('decode_error', `${declared} decode failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (rgba.width <= 0 || rgba.height <= 0 || rgba.data.length < rgba.width * rgba.height * 4) {
    return reject('size', `decoded ${declared} is ${rgba.width}×${rgba.height} with ${rgba.data.length} bytes`);
  }
  resizeToRgb({ data: rgba.data, width: rgba.width, height: rgba.height, step: rgba.width * 4, layout: LAYOUTS['rgba8']! }, out, outW, outH);
  return null;
}
