// The memory the main thread and the inference worker share: one SharedArrayBuffer holding a small control block
// and the preallocated input/output tensors. Nothing is copied through postMessage on the hot path: the main thread
// writes inputs, bumps REQUEST and notifies; the worker runs, writes `action`, bumps DONE and notifies.

export const CTRL = {
  /** Incremented by the main thread for each request. */
  REQUEST: 0,
  /** Set by the worker to the request number it has finished. */
  DONE: 1,
  /** One of STATUS (message in `errorText` unless OK). */
  STATUS: 2,
  /** Set to 1 to make the worker exit at its next wake-up. */
  STOP: 3,
  /** Byte length of the UTF-8 error text. */
  ERROR_LENGTH: 4,
} as const;
/** Values of ctrl[CTRL.STATUS] after a run. */
export const STATUS = {
  OK: 0,
  /** onnxruntime failed (message: its error). */
  ERROR: 1,
  /** The run's output breaks the contract, e.g. a shape other than the declared one (message: what and how). */
  INVALID_OUTPUT: 2,
} as const;
const CTRL_INTS = 8;
const ERROR_BYTES = 1024;

export type SharedLayout = { readonly state: number; readonly image: number; readonly noise: number; readonly action: number };

export type SharedTensors = {
  readonly buffer: SharedArrayBuffer;
  readonly ctrl: Int32Array;
  /** [0] = inference wall time of the last run, s (measured in the worker around session.run). */
  readonly timing: Float64Array;
  readonly state: Float32Array;
  readonly image: Uint8Array;
  readonly noise: Float32Array;
  readonly action: Float32Array;
  readonly errorText: Uint8Array;
};

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Allocates (buffer omitted) or maps (buffer given, in the worker) the shared block for the given element counts. */
export function sharedTensors(layout: SharedLayout, buffer?: SharedArrayBuffer): SharedTensors {
  let off = 0;
  const take = (bytes: number): number => {
    const at = off;
    off += align8(bytes);
    return at;
  };
  const ctrlAt = take(CTRL_INTS * 4);
  const timingAt = take(8);
  const stateAt = take(layout.state * 4);
  const noiseAt = take(layout.noise * 4);
  const actionAt = take(layout.action * 4);
  const imageAt = take(layout.image);
  const errorAt = take(ERROR_BYTES);
  const buf = buffer ?? new SharedArrayBuffer(off);
  return {
    buffer: buf,
    ctrl: new Int32Array(buf, ctrlAt, CTRL_INTS),
    timing: new Float64Array(buf, timingAt, 1),
    state: new Float32Array(buf, stateAt, layout.state),
    noise: new Float32Array(buf, noiseAt, layout.noise),
    action: new Float32Array(buf, actionAt, layout.action),
    image: new Uint8Array(buf, imageAt, layout.image),
    errorText: new Uint8Array(buf, errorAt, ERROR_BYTES),
  };
}
