// The inference worker (a worker_threads entry point). onnxruntime-node's run() blocks the thread it runs on
// (runtime.md §5), so it runs here and the main thread — which also receives every ROS message — stays free and can
// see a deadline pass while the worker computes. Session options are pinned (thread counts, sequential execution,
// full graph optimisation); inputs and the output are tensors over the shared, preallocated memory of
// sharedTensors.ts; the session is warmed up before "ready" is posted. onnxruntime-node 1.30 refuses tensors over a
// SharedArrayBuffer ("Invalid argument", observed), so the ORT tensors are preallocated worker-local arrays and each
// run copies the inputs in and the action out with one TypedArray.set each (≈ 1 µs for state + noise; a 2×96×96×3
// image is 55 kB).
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { CTRL, sharedTensors, type SharedLayout } from './sharedTensors.js';

export type WorkerData = {
  readonly modelPath: string;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly warmupRuns: number;
  readonly layout: SharedLayout;
  readonly shapes: { readonly state: number[]; readonly image: number[] | null; readonly noise: number[]; readonly action: number[] };
  readonly buffer: SharedArrayBuffer;
};

export type WorkerReady = { readonly type: 'ready'; readonly warmupSec: number[]; readonly outputPreallocated: boolean };
export type WorkerFailed = { readonly type: 'failed'; readonly message: string };

const encoder = new TextEncoder();

async function main(data: WorkerData): Promise<void> {
  const shared = sharedTensors(data.layout, data.buffer);
  const { ctrl } = shared;
  const session = await ort.InferenceSession.create(data.modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: data.intraOpThreads,
    interOpNumThreads: data.interOpThreads,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    enableMemPattern: true,
  });
  const local = {
    state: new Float32Array(shared.state.length),
    noise: new Float32Array(shared.noise.length),
    image: new Uint8Array(shared.image.length),
    action: new Float32Array(shared.action.length),
  };
  const feeds: Record<string, ort.Tensor> = {
    state: new ort.Tensor('float32', local.state, data.shapes.state),
    noise: new ort.Tensor('float32', local.noise, data.shapes.noise),
  };
  if (data.shapes.image !== null) feeds['image'] = new ort.Tensor('uint8', local.image, data.shapes.image);
  const output = new ort.Tensor('float32', local.action, data.shapes.action);
  // Preallocated output: onnxruntime writes into `local.action`. If this build refuses it, take its output instead.
  let outputPreallocated = true;
  const run = async (): Promise<void> => {
    local.state.set(shared.state);
    local.noise.set(shared.noise);
    if (data.shapes.image !== null) local.image.set(shared.image);
    if (outputPreallocated) {
      await session.run(feeds, { action: output });
      shared.action.set(local.action);
    } else {
      const out = await session.run(feeds);
      shared.action.set(out['action']!.data as Float32Array);
    }
  };
  const warmupSec: number[] = [];
  for (let i = 0; i < Math.max(1, data.warmupRuns); i++) {
    const t0 = process.hrtime.bigint();
    try {
      await run();
    } catch (err) {
      if (!outputPreallocated) throw err;
      outputPreallocated = false;
      await run();
    }
    warmupSec.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  // Read the counter BEFORE announcing readiness: the main thread may send its first request the moment it hears.
  let seen = Atomics.load(ctrl, CTRL.REQUEST);
  parentPort!.postMessage({ type: 'ready', warmupSec, outputPreallocated } satisfies WorkerReady);

  for (;;) {
    Atomics.wait(ctrl, CTRL.REQUEST, seen); // sleeps until the main thread bumps REQUEST
    seen = Atomics.load(ctrl, CTRL.REQUEST);
    if (Atomics.load(ctrl, CTRL.STOP) !== 0) break;
    const t0 = process.hrtime.bigint();
    let status = 0;
    try {
      await run();
    } catch (err) {
      status = 1;
      const bytes = encoder.encode(err instanceof Error ? err.message : String(err)).subarray(0, shared.errorText.length);
      shared.errorText.set(bytes);
      Atomics.store(ctrl, CTRL.ERROR_LENGTH, bytes.length);
    }
    shared.timing[0] = Number(process.hrtime.bigint() - t0) / 1e9;
    Atomics.store(ctrl, CTRL.STATUS, status);
    Atomics.store(ctrl, CTRL.DONE, seen);
    Atomics.notify(ctrl, CTRL.DONE);
  }
  await session.release();
}

if (parentPort !== null) {
  main(workerData as WorkerData).catch((err: unknown) => {
    parentPort!.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies WorkerFailed);
  });
}
