// Per-source ring buffers and the assembly of the policy's To observation frames (docs/node.md).
//
//   sources:   joint_states ──●────●────●────●──       each sample keyed by its header stamp
//              object_pose  ───●────●────●────●─
//              camera       ──●────●────●────●──
//   t_obs = min over sources of their newest stamp ≤ now      (the newest instant every source has seen)
//   frame k (k = 0 … To−1) at t_obs − (To−1−k)·obs_interval   each source contributes its sample NEAREST that time
//   stale  ⇔ some source has no sample, or now − newest stamp > maxObservationAgeSec
//
// A message's stamp must lie within maxStampSkewSec of the clock it arrived at (receiveNs: the node's ROS clock live,
// the log time in replay), else it is refused (`bad_stamp`): one message stamped a year ahead would otherwise become
// the newest sample and the no-going-back rule would refuse every valid message after it. Held samples expire when
// the clock goes back past them (a simulation reset): the ring is emptied instead of refusing the present forever.
//
// Nearest (rather than "latest before") keeps sources that are stamped a fraction of a millisecond apart on the
// same step; before the oldest sample the oldest one is repeated (Diffusion Policy's padding).
import type { CompressedImage, Image, JointState, PoseStamped } from '../msgs/types.js';
import type { PolicySpec } from '../policy/policySpec.js';
import { decodeCompressedImage } from './decodeCompressedImage.js';
import { decodeImage } from './decodeImage.js';
import { decodeJointState } from './decodeJointState.js';
import { decodePose } from './decodePose.js';
import type { InputSource } from './inputs.js';
import { reject, stampNs, type Rejection } from './rejection.js';
import { SampleRing } from './sampleRing.js';

/** An observation source (observation/inputs.ts). */
export type SourceName = InputSource;

export type ObservationStoreOptions = {
  /** JointState names for the model's joint_states entries, in order (default: the model's state names). */
  readonly stateJointNames?: readonly string[] | null;
  /** Samples kept per source. */
  readonly bufferSize: number;
  /** A stamp further than this from the receive clock (ahead or behind) is refused, s (default 1). */
  readonly maxStampSkewSec?: number;
};

export type AssembleResult =
  { readonly ok: true; readonly tObsNs: bigint } | { readonly ok: false; readonly source: SourceName; readonly ageSec: number | null; readonly detail: string };

const NS = 1e9;
export const DEFAULT_MAX_STAMP_SKEW_SEC = 1;

export class ObservationStore {
  readonly sources: readonly SourceName[];
  readonly #spec: PolicySpec;
  readonly #jointNames: readonly string[];
  readonly #rings: Map<SourceName, SampleRing<Float64Array | Uint8Array>>;
  /** For each state index: which source and which component of that source's sample. */
  readonly #stateMap: { source: SourceName; component: number }[];
  readonly #rank = new Map<SourceName, number>();
  readonly #maxSkewNs: bigint;
  readonly #maxSkewSec: number;

  constructor(spec: PolicySpec, options: ObservationStoreOptions) {
    this.#spec = spec;
    this.#maxSkewSec = options.maxStampSkewSec ?? DEFAULT_MAX_STAMP_SKEW_SEC;
    this.#maxSkewNs = BigInt(Math.round(this.#maxSkewSec * NS));
    const jointEntries = spec.stateNames.filter((_, i) => spec.stateSources[i] === 'joint_states');
    this.#jointNames = options.stateJointNames ?? jointEntries;
    const poseEntries = spec.stateNames.filter((_, i) => spec.stateSources[i] === 'object_pose');
    this.#stateMap = spec.stateNames.map((name, i) => {
      const source = spec.stateSources[i]!;
      if (source === 'joint_states') return { source, component: jointEntries.indexOf(name) };
      return { source, component: poseComponent(name, poseEntries.indexOf(name)) };
    });
    const sources = new Set<SourceName>(spec.stateSources);
    if (spec.image !== null) sources.add('camera');
    this.sources = Object.freeze([...sources]);
    this.#rings = new Map();
    const { bufferSize } = options;
    if (sources.has('joint_states')) this.#rings.set('joint_states', new SampleRing(bufferSize, () => new Float64Array(this.#jointNames.length)));
    if (sources.has('object_pose')) this.#rings.set('object_pose', new SampleRing(bufferSize, () => new Float64Array(3)));
    if (spec.image !== null) {
      const { height, width } = spec.image;
      this.#rings.set('camera', new SampleRing(bufferSize, () => new Uint8Array(height * width * 3)));
    }
  }

  /** Decodes one message into `source`'s ring. Returns null when accepted, else the rejection (never throws). */
  accept(source: SourceName, typeName: string, msg: unknown, receiveNs: bigint): Rejection {
    const ring = this.#rings.get(source);
    if (ring === undefined) return reject('malformed', `source ${source} is not an input of this policy`);
    const stamp = stampNs(msg, receiveNs);
    if (stamp === null) return reject('bad_stamp', 'header.stamp is missing or not a valid {sec, nanosec}');
    const skewNs = stamp - receiveNs;
    if (skewNs > this.#maxSkewNs || -skewNs > this.#maxSkewNs) {
      const side = skewNs > 0n ? 'ahead of' : 'behind';
      return reject(
        'bad_stamp',
        `stamp ${stamp} ns is ${secText(skewNs > 0n ? skewNs : -skewNs)} s ${side} the clock (${receiveNs} ns), limit ${this.#maxSkewSec} s`,
      );
    }
    let newest = ring.newestStamp();
    if (newest !== null && newest - receiveNs > this.#maxSkewNs) {
      ring.clear(); // the clock went back past everything held: those samples belong to a timeline that is gone
      newest = null;
    }
    if (newest !== null && stamp < newest) {
      return reject('bad_stamp', `stamp ${stamp} ns is ${Number(newest - stamp) / 1e6} ms older than the newest sample held`);
    }
    const slot = ring.reserve();
    let verdict: Rejection;
    try {
      verdict = this.#decode(source, typeName, msg, slot);
    } catch (err) {
      verdict = reject('malformed', `decoder threw: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (verdict === null) ring.commit(stamp);
    return verdict;
  }

  #decode(source: SourceName, typeName: string, msg: unknown, slot: Float64Array | Uint8Array): Rejection {
    const type = typeName.replace('/msg/', '/');
    if (source === 'joint_states') {
      if (type !== 'sensor_msgs/JointState') return reject('malformed', `${typeName} on joint_states (expected sensor_msgs/msg/JointState)`);
      return decodeJointState(msg as JointState, this.#jointNames, slot as Float64Array);
    }
    if (source === 'object_pose') {
      if (type !== 'geometry_msgs/PoseStamped') return reject('malformed', `${typeName} on object_pose (expected geometry_msgs/msg/PoseStamped)`);
      return decodePose(msg as PoseStamped, slot as Float64Array);
    }
    const { width, height } = this.#spec.image!;
    if (type === 'sensor_msgs/Image') return decodeImage(msg as Image, slot as Uint8Array, width, height);
    if (type === 'sensor_msgs/CompressedImage') return decodeCompressedImage(msg as CompressedImage, slot as Uint8Array, width, height);
    return reject('malformed', `${typeName} on camera (expected sensor_msgs/msg/Image or CompressedImage)`);
  }

  /** Age of `source`'s newest sample at nowNs, s; null when it has none at or before nowNs. */
  ageSec(source: SourceName, nowNs: bigint): number | null {
    const ring = this.#rings.get(source);
    if (ring === undefined) return null;
    const i = ring.newestAtOrBefore(nowNs);
    return i < 0 ? null : Number(nowNs - ring.at(i).stampNs) / NS;
  }

  /**
   * The newest measured value of each action name that is also a joint_states state entry (a hold position when no
   * action was commanded yet). False when some name is not measured or no sample exists.
   */
  measuredActionJoints(actionNames: readonly string[], out: Float64Array): boolean {
    const ring = this.#rings.get('joint_states');
    if (ring === undefined || ring.size === 0) return false;
    const sample = ring.at(0).value as Float64Array;
    for (let d = 0; d < actionNames.length; d++) {
      const i = this.#spec.stateNames.findIndex((n, k) => n === actionNames[d] && this.#spec.stateSources[k] === 'joint_states');
      if (i < 0) return false;
      out[d] = sample[this.#stateMap[i]!.component]!;
    }
    return true;
  }

  /**
   * Writes the To frames into `state` (float32 [To·Ds]) and `image` (uint8 [To·H·W·3], or null) for a tick at nowNs.
   * Nothing is written when the result is not ok.
   */
  assemble(nowNs: bigint, maxAgeSec: number, state: Float32Array, image: Uint8Array | null): AssembleResult {
    let tObs: bigint | null = null;
    for (const source of this.sources) {
      const ring = this.#rings.get(source)!;
      const i = ring.newestAtOrBefore(nowNs);
      if (i < 0) return { ok: false, source, ageSec: null, detail: `no ${source} sample at or before the tick` };
      this.#rank.set(source, i);
      const stamp = ring.at(i).stampNs;
      const ageSec = Number(nowNs - stamp) / NS;
      if (ageSec > maxAgeSec) {
        return { ok: false, source, ageSec, detail: `${source} is ${ageSec.toFixed(4)} s old, limit ${maxAgeSec} s` };
      }
      if (tObs === null || stamp < tObs) tObs = stamp;
    }
    if (tObs === null) return { ok: false, source: 'joint_states', ageSec: null, detail: 'policy has no observation sources' };
    const To = this.#spec.nObsSteps;
    const Ds = this.#spec.stateNames.length;
    const intervalNs = BigInt(Math.round(this.#spec.obsIntervalSec * NS));
    for (let k = 0; k < To; k++) {
      const t = tObs - BigInt(To - 1 - k) * intervalNs;
      for (let d = 0; d < Ds; d++) {
        const { source, component } = this.#stateMap[d]!;
        const ring = this.#rings.get(source)!;
        const sample = ring.at(ring.nearest(t, this.#rank.get(source)!)).value as Float64Array;
        state[k * Ds + d] = sample[component]!;
      }
      if (image !== null) {
        const ring = this.#rings.get('camera')!;
        const frame = ring.at(ring.nearest(t, this.#rank.get('camera')!)).value as Uint8Array;
        image.set(frame, k * frame.length);
      }
    }
    return { ok: true, tObsNs: tObs };
  }
}

/** |ns| as seconds with millisecond digits, exact for any bigint. */
function secText(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${((ns % 1_000_000_000n) / 1_000_000n).toString().padStart(3, '0')}`;
}

/** object_pose entries map to x, y, yaw by name suffix (block_x, block_y, block_yaw), else by their order. */
function poseComponent(name: string, order: number): number {
  if (/(^|_)x$/.test(name)) return 0;
  if (/(^|_)y$/.test(name)) return 1;
  if (/(^|_)(yaw|theta|angle)$/.test(name)) return 2;
  return Math.min(order, 2);
}
