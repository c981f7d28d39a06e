import assert from 'node:assert/strict';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { decodeCompressedImage } from '../../../src/observation/decodeCompressedImage.js';
import { decodeImage } from '../../../src/observation/decodeImage.js';
import { decodeJointState } from '../../../src/observation/decodeJointState.js';
import { decodePose } from '../../../src/observation/decodePose.js';
import { image, jointState, pose } from '../helpers.js';

for (const encoding of ['rgb8', 'bgr8', 'rgba8', 'bgra8']) {
  test(`Image ${encoding} at the model size is copied exactly as RGB`, () => {
    const out = new Uint8Array(5 * 3 * 3);
    assert.equal(decodeImage(image(0n, 5, 3, encoding), out, 5, 3), null);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 5; x++) {
        const o = (y * 5 + x) * 3;
        assert.deepEqual([...out.subarray(o, o + 3)], [x, y, x + y], `pixel ${x},${y}`);
      }
  });
}

test('Image mono8 replicates the grey value into R, G and B', () => {
  const out = new Uint8Array(4 * 2 * 3);
  assert.equal(decodeImage(image(0n, 4, 2, 'mono8'), out, 4, 2), null);
  assert.deepEqual([...out.subarray(9, 12)], [3, 3, 3]);
});

test('Image with row padding (step > width·channels) and odd size is read by step', () => {
  const out = new Uint8Array(7 * 5 * 3);
  assert.equal(decodeImage(image(0n, 7, 5, 'bgr8', 3), out, 7, 5), null);
  assert.deepEqual([...out.subarray((4 * 7 + 6) * 3, (4 * 7 + 6) * 3 + 3)], [6, 4, 10]);
});

test('Image of another size is resized bilinearly (constant image stays constant, gradient stays monotone)', () => {
  const src = image(0n, 641, 479, 'rgb8');
  src.data.fill(77);
  const out = new Uint8Array(96 * 96 * 3);
  assert.equal(decodeImage(src, out, 96, 96), null);
  assert.ok(out.every((v) => v === 77));
  const grad = image(0n, 200, 10, 'rgb8'); // R = x
  const small = new Uint8Array(20 * 4 * 3);
  assert.equal(decodeImage(grad, small, 20, 4), null);
  for (let x = 1; x < 20; x++) assert.ok(small[x * 3]! > small[(x - 1) * 3]!, `R increases at x=${x}`);
  // upscaling 2×2 → 4×4 interpolates between the corners
  const tiny = image(0n, 2, 2, 'mono8');
  tiny.data.set([0, 100, 100, 200]);
  const up = new Uint8Array(4 * 4 * 3);
  assert.equal(decodeImage(tiny, up, 4, 4), null);
  assert.equal(up[0], 0);
  assert.equal(up[(1 * 4 + 1) * 3], 50);
});

test('Image refusals: unknown encoding, step too small, data size contradicting step·height, zero size', () => {
  const out = new Uint8Array(4 * 4 * 3);
  const cases: [ReturnType<typeof image>, string][] = [
    [{ ...image(0n, 4, 4, 'rgb8'), encoding: '16UC1' }, 'encoding'],
    [{ ...image(0n, 4, 4, 'rgb8'), step: 11 }, 'size'],
    [{ ...image(0n, 4, 4, 'rgb8'), data: new Uint8Array(47) }, 'size'],
    [{ ...image(0n, 4, 4, 'rgb8'), height: 5 }, 'size'],
    [{ ...image(0n, 4, 4, 'rgb8'), width: 0, step: 0, data: new Uint8Array(0) }, 'size'],
    [{ ...image(0n, 4, 4, 'rgb8'), data: [1, 2, 3] as unknown as Uint8Array }, 'malformed'],
  ];
  for (const [msg, reason] of cases)
    assert.equal(decodeImage(msg, out, 4, 4)?.reason, reason, JSON.stringify({ e: msg.encoding, s: msg.step, n: msg.data.length, h: msg.height }));
  assert.match(decodeImage(cases[2]![0], out, 4, 4)!.detail, /47 bytes, step 12 × height 4 = 48/);
});

function rgbaGradient(w: number, h: number): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d.set([x * 8, y * 8, 128, 255], (y * w + x) * 4);
  return d;
}

test('CompressedImage png decodes losslessly; jpeg decodes close to the source', () => {
  const w = 12;
  const h = 10;
  const png = new PNG({ width: w, height: h });
  png.data = Buffer.from(rgbaGradient(w, h));
  const pngBytes = new Uint8Array(PNG.sync.write(png));
  const out = new Uint8Array(w * h * 3);
  assert.equal(decodeCompressedImage({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, format: 'png', data: pngBytes }, out, w, h), null);
  assert.deepEqual([...out.subarray((3 * w + 5) * 3, (3 * w + 5) * 3 + 3)], [40, 24, 128]);
  const jpg = jpeg.encode({ data: Buffer.from(rgbaGradient(w, h)), width: w, height: h }, 95).data;
  assert.equal(
    decodeCompressedImage(
      { header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' }, format: 'rgb8; jpeg compressed bgr8', data: new Uint8Array(jpg) },
      out,
      w,
      h,
    ),
    null,
  );
  const p = (3 * w + 5) * 3;
  assert.ok(Math.abs(out[p]! - 40) <= 8 && Math.abs(out[p + 1]! - 24) <= 8 && Math.abs(out[p + 2]! - 128) <= 8, `jpeg pixel ${[...out.subarray(p, p + 3)]}`);
});

test('CompressedImage refusals: unknown format, bytes contradicting the format, corrupt payload', () => {
  const out = new Uint8Array(4 * 4 * 3);
  const hdr = { stamp: { sec: 0, nanosec: 0 }, frame_id: '' };
  assert.equal(decodeCompressedImage({ header: hdr, format: 'tiff', data: new Uint8Array(10) }, out, 4, 4)?.reason, 'encoding');
  assert.equal(
    decodeCompressedImage({ header: hdr, format: 'jpeg', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]) }, out, 4, 4)?.reason,
    'decode_error',
  );
  const truncated = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]);
  assert.equal(decodeCompressedImage({ header: hdr, format: 'jpeg', data: truncated }, out, 4, 4)?.reason, 'decode_error');
  const badPng = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9, 9]);
  assert.equal(decodeCompressedImage({ header: hdr, format: 'png', data: badPng }, out, 4, 4)?.reason, 'decode_error');
});

test('JointState is read by name in any order; missing joints, short positions and NaN are refused', () => {
  const out = new Float64Array(2);
  assert.equal(decodeJointState(jointState(0n, ['other', 'agent_y', 'agent_x'], [9, 2, 1]), ['agent_x', 'agent_y'], out), null);
  assert.deepEqual([...out], [1, 2]);
  assert.equal(decodeJointState(jointState(0n, ['agent_x'], [1]), ['agent_x', 'agent_y'], out)?.reason, 'missing_joint');
  assert.equal(decodeJointState(jointState(0n, ['agent_x', 'agent_y'], [1]), ['agent_x', 'agent_y'], out)?.reason, 'missing_joint');
  assert.equal(decodeJointState(jointState(0n, ['agent_x', 'agent_y'], [1, NaN]), ['agent_x', 'agent_y'], out)?.reason, 'non_finite');
  assert.equal(decodeJointState(jointState(0n, ['agent_x', 'agent_y'], [Infinity, 1]), ['agent_x', 'agent_y'], out)?.reason, 'non_finite');
  assert.equal(decodeJointState({ header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' } } as never, ['agent_x'], out)?.reason, 'malformed');
});

test('PoseStamped gives x, y, yaw (also from a non-unit quaternion); NaN and zero quaternions are refused', () => {
  const out = new Float64Array(3);
  for (const yaw of [0, 0.5, -2.5, 3.1]) {
    assert.equal(decodePose(pose(0n, 10, 20, yaw), out), null);
    assert.deepEqual([out[0], out[1]], [10, 20]);
    assert.ok(Math.abs(out[2]! - yaw) < 1e-12, `yaw ${yaw} → ${out[2]}`);
  }
  const scaled = pose(0n, 1, 2, 1.0);
  const q = scaled.pose.orientation;
  scaled.pose.orientation = { x: q.x * 3, y: q.y * 3, z: q.z * 3, w: q.w * 3 };
  assert.equal(decodePose(scaled, out), null);
  assert.ok(Math.abs(out[2]! - 1.0) < 1e-12);
  const nan = pose(0n, NaN, 2, 0);
  assert.equal(decodePose(nan, out)?.reason, 'non_finite');
  const zero = pose(0n, 1, 2, 0);
  zero.pose.orientation = { x: 0, y: 0, z: 0, w: 0 };
  assert.equal(decodePose(zero, out)?.reason, 'non_finite');
});
