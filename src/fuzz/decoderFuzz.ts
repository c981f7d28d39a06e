// Decoder fuzz: mutated CDR payloads of every known message type through the codec (src/msgs) and, when they
// decode, through the observation decoders (src/observation). The contract under test: the codec refuses bad bytes
// with a SchemaError and nothing else, and an observation decoder returns a verdict and never throws. Anything else
// thrown is an "uncaught throw" and is listed with the input that caused it.
//
//   node dist/src/fuzz/decoderFuzz.js [--inputs 1000000] [--seed 1]      (prints JSON; exit 1 on any uncaught throw)
//
// A short run is part of the test suite (test/msgs/decoderFuzz.test.ts); the full run's figure is in docs/node.md.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SchemaError, codecFor, encodeMessage, type MessageTypeName } from '../msgs/index.js';
import { sampleMessages } from '../msgs/sampleMessages.js';
import type { CompressedImage, Image, JointState, PoseStamped } from '../msgs/types.js';
import { decodeCompressedImage } from '../observation/decodeCompressedImage.js';
import { decodeImage } from '../observation/decodeImage.js';
import { decodeJointState } from '../observation/decodeJointState.js';
import { decodePose } from '../observation/decodePose.js';

export type FuzzReport = {
  inputs: number;
  seed: number;
  /** Inputs the codec decoded (then given to the observation decoder of their type, if any). */
  decoded: number;
  /** Inputs the codec refused with a SchemaError. */
  refused: number;
  /** Decoded messages an observation decoder refused (returned a rejection). */
  rejectedByObservation: number;
  uncaught: number;
  /** The first few uncaught throws, with the input in hex. */
  examples: { type: string; error: string; hex: string }[];
  /** Slowest single input (codec + observation decoder), ms. */
  maxInputMs: number;
  wallSec: number;
};

/** A small deterministic PRNG (xorshift32) so a run is reproducible from its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const INTERESTING_U32 = [0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 16_777_216];

/** One mutation of `seed` (copy): flipped bytes, an overwritten length-sized word, a cut, an extension or a splice. */
function mutate(seed: Uint8Array, other: Uint8Array, next: () => number): Uint8Array {
  const pick = next() % 6;
  if (pick === 0) {
    const out = Uint8Array.from(seed);
    for (let k = 1 + (next() % 4); k > 0 && out.length > 0; k--) out[next() % out.length] = next() & 0xff;
    return out;
  }
  if (pick === 1 || pick === 2) {
    const out = Uint8Array.from(seed);
    if (out.length >= 8) {
      const at = 4 + 4 * (next() % Math.floor((out.length - 4) / 4));
      const value = pick === 1 ? INTERESTING_U32[next() % INTERESTING_U32.length]! : next();
      new DataView(out.buffer).setUint32(Math.min(at, out.length - 4), value, true);
    }
    return out;
  }
  if (pick === 3) return seed.slice(0, next() % (seed.length + 1));
  if (pick === 4) {
    const extra = Uint8Array.from({ length: 1 + (next() % 64) }, () => next() & 0xff);
    const out = new Uint8Array(seed.length + extra.length);
    out.set(seed);
    out.set(extra, seed.length);
    return out;
  }
  const cut = next() % (seed.length + 1);
  const from = next() % (other.length + 1);
  const out = new Uint8Array(cut + other.length - from);
  out.set(seed.subarray(0, cut));
  out.set(other.subarray(from), cut);
  return out;
}

/** The observation decoder of `type`, if the node reads that type. Returns true when it accepted the message. */
function observe(type: string, msg: unknown, scratch: { joints: Float64Array; pose: Float64Array; image: Uint8Array }): boolean | null {
  if (type === 'sensor_msgs/msg/JointState') return decodeJointState(msg as JointState, ['agent_x', 'agent_y'], scratch.joints) === null;
  if (type === 'geometry_msgs/msg/PoseStamped') return decodePose(msg as PoseStamped, scratch.pose) === null;
  if (type === 'sensor_msgs/msg/Image') return decodeImage(msg as Image, scratch.image, 8, 6) === null;
  if (type === 'sensor_msgs/msg/CompressedImage') return decodeCompressedImage(msg as CompressedImage, scratch.image, 8, 6) === null;
  return null;
}

export function runDecoderFuzz(inputs: number, seed = 1): FuzzReport {
  const next = rng(seed);
  const seeds = sampleMessages().map(([type, msg]) => ({ type, bytes: encodeMessage(type, msg as never) }));
  const scratch = { joints: new Float64Array(2), pose: new Float64Array(3), image: new Uint8Array(8 * 6 * 3) };
  const report: FuzzReport = { inputs, seed, decoded: 0, refused: 0, rejectedByObservation: 0, uncaught: 0, examples: [], maxInputMs: 0, wallSec: 0 };
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < inputs; i++) {
    const s = seeds[next() % seeds.length]!;
    const bytes = mutate(s.bytes, seeds[next() % seeds.length]!.bytes, next);
    const t0 = process.hrtime.bigint();
    try {
      let msg: unknown;
      try {
        msg = codecFor(s.type as MessageTypeName).decode(bytes);
      } catch (err) {
        if (!(err instanceof SchemaError)) throw err;
        report.refused += 1;
        continue;
      }
      report.decoded += 1;
      if (observe(s.type, msg, scratch) === false) report.rejectedByObservation += 1;
    } catch (err) {
      report.uncaught += 1;
      if (report.examples.length < 10) {
        report.examples.push({
          type: s.type,
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
          hex: Buffer.from(bytes).toString('hex'),
        });
      }
    } finally {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (ms > report.maxInputMs) report.maxInputMs = ms;
    }
  }
  report.wallSec = Number(process.hrtime.bigint() - wall0) / 1e9;
  report.maxInputMs = Math.round(report.maxInputMs * 1000) / 1000;
  return report;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { inputs: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' } } });
  const report = runDecoderFuzz(Number(values.inputs), Number(values.seed));
  process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
  process.exitCode = report.uncaught === 0 ? 0 : 1;
}
