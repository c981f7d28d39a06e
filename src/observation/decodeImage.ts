// sensor_msgs/Image → the model's H×W×3 RGB frame. Encodings rgb8, bgr8, rgba8, bgra8, mono8, any size; the data
// length must be exactly step·height with step ≥ width·channels (what ROS guarantees), else the message is refused.
import type { Image } from '../msgs/types.js';
import { LAYOUTS, resizeToRgb } from './imageResize.js';
import { reject, type Rejection } from './rejection.js';

export function decodeImage(msg: Image, out: Uint8Array, outW: number, outH: number): Rejection {
  if (msg === null || typeof msg !== 'object' || !(msg.data instanceof Uint8Array)) return reject('malformed', 'Image without a Uint8Array data field');
  const layout = LAYOUTS[msg.encoding];
  if (layout === undefined) return reject('encoding', `encoding '${msg.encoding}' is not one of ${Object.keys(LAYOUTS).join(', ')}`);
  const { width, height, step } = msg;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    return reject('size', `width ${width} × height ${height} is not a positive size`);
  }
  if (!Number.isInteger(step) || step < width * layout.channels) {
    return reject('size', `step ${step} < width ${width} × ${layout.channels} bytes (${msg.encoding})`);
  }
  if (msg.data.length !== step * height) {
    return reject('size', `data has ${msg.data.length} bytes, step ${step} × height ${height} = ${step * height}`);
  }
  resizeToRgb({ data: msg.data, width, height, step, layout }, out, outW, outH);
  return null;
}
