// Issue 18 item 12: array lengths are checked against the bytes left before the decoder allocates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { CdrBounds } from '../../src/msgs/cdrBounds.js';
import { MESSAGE_DEFINITIONS, MessageCodec, SchemaError, encodeMessage, isKnownType, type MessageTypeName } from '../../src/msgs/index.js';
import { sampleMessages } from '../../src/msgs/sampleMessages.js';

const JS = 'sensor_msgs/msg/JointState';

function jointStateBytes(): Uint8Array {
  // header.stamp (8) + frame_id 'abc' (4 + 4) → name[] count at offset 20
  return encodeMessage(JS, {
    header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'abc' },
    name: ['agent_x', 'agent_y'],
    position: [1, 2],
    velocity: [],
    effort: [],
  });
}

test('a JointState whose name[] claims 16 million entries is refused by the length check, naming the field and the bytes left', () => {
  const bytes = jointStateBytes();
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(20, 16_777_216, true);
  assert.throws(
    () => new MessageCodec(JS, MESSAGE_DEFINITIONS[JS]).decode(bytes),
    (e: unknown) => {
      assert.ok(e instanceof SchemaError);
      assert.match(
        e.message,
        /^cannot decode 76 bytes as sensor_msgs\/msg\/JointState: name\[\] claims 16777216 elements of ≥ 4 bytes, but only 52 of 76 bytes are left$/,
      );
      return true;
    },
  );
  // a float64[] and a string length past the end are caught the same way
  const pos = jointStateBytes();
  new DataView(pos.buffer, pos.byteOffset).setUint32(48, 100_000_000, true);
  assert.match(new CdrBounds(parse(MESSAGE_DEFINITIONS[JS], { ros2: true })).check(pos) ?? '', /^position\[\] claims 100000000 elements of ≥ 8 bytes/);
  const frame = jointStateBytes();
  new DataView(frame.buffer, frame.byteOffset).setUint32(12, 16_777_216, true);
  assert.match(
    new CdrBounds(parse(MESSAGE_DEFINITIONS[JS], { ros2: true })).check(frame) ?? '',
    /^header\.frame_id claims a 16777216-byte string, but only 60 of 76 bytes are left$/,
  );
});

test('encapsulation headers other than plain CDR are refused; a payload shorter than the header too', () => {
  const bytes = jointStateBytes();
  bytes[1] = 0x07; // RTPS_CDR2_LE
  assert.throws(() => new MessageCodec(JS, MESSAGE_DEFINITIONS[JS]).decode(bytes), /encapsulation header \[0, 7\] is not plain CDR/);
  assert.throws(() => new MessageCodec(JS, MESSAGE_DEFINITIONS[JS]).decode(new Uint8Array(3)), /3 bytes cannot hold the 4-byte CDR encapsulation header/);
});

test('the check never refuses what the reader decodes: every known type, every prefix and every one-byte change of a sample', () => {
  for (const [type, msg] of sampleMessages()) {
    assert.ok(isKnownType(type));
    const defs = parse(MESSAGE_DEFINITIONS[type as MessageTypeName], { ros2: true });
    const bounds = new CdrBounds(defs);
    const reader = new MessageReader(defs);
    const whole = encodeMessage(type as MessageTypeName, msg as never);
    const variants: Uint8Array[] = [];
    // copies, not views: the reader reads uint8[] through the underlying ArrayBuffer, past the end of a view (an MCAP
    // message's data is a view into its chunk), which the bounds check refuses — see the last test
    for (let n = 0; n <= whole.length; n++) variants.push(whole.slice(0, n));
    for (let i = 4; i < whole.length; i++) {
      for (const b of [0x00, 0x01, 0x7f, 0xff]) {
        const v = Uint8Array.from(whole);
        v[i] = b;
        variants.push(v);
      }
    }
    for (const v of variants) {
      if (bounds.check(v) === null) continue;
      let decoded = true;
      try {
        reader.readMessage(v);
      } catch {
        decoded = false;
      }
      assert.equal(decoded, false, `${type}: the check refused ${v.length} bytes the reader decodes: ${bounds.check(v)}`);
    }
    assert.equal(bounds.check(whole), null, type);
  }
});

test('a uint8[] longer than the message is refused even when the bytes after it in the buffer (the rest of an MCAP chunk) would fill it', () => {
  const [, image] = sampleMessages()[0]!;
  const whole = encodeMessage('sensor_msgs/msg/Image', image as never);
  const chunk = new Uint8Array(whole.length + 64);
  chunk.set(whole);
  const cut = chunk.subarray(0, whole.length - 10); // the message as recorded, 10 bytes short; the chunk goes on
  const reader = new MessageReader(parse(MESSAGE_DEFINITIONS['sensor_msgs/msg/Image'], { ros2: true }));
  assert.equal((reader.readMessage(cut) as { data: Uint8Array }).data.length, 36); // the library alone reads past the view
  assert.throws(
    () => new MessageCodec('sensor_msgs/msg/Image', MESSAGE_DEFINITIONS['sensor_msgs/msg/Image']).decode(cut),
    /data\[\] claims 36 elements of ≥ 1 bytes, but only 26 of \d+ bytes are left/,
  );
});
