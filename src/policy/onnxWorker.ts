// The inference worker (a worker_threads entry point). onnxruntime-node's run() blocks the thread it runs on
// (runtime.md §5), so it runs here and the main thread — which also receives every ROS message — stays free and can
// see a deadline pass while the worker computes. The session is opened by ortSession.ts (pinned options); inputs
// are tensors over preallocated worker-local arrays, filled from the shared memory of sharedTensors.ts with one
// TypedArray.set each (onnxruntime-node 1.30 refuses tensors over a SharedArrayBuffer, "Invalid argument",
// observed). The output is NOT preallocated: onnxruntime returns it with the shape it really computed, and every run
// — warm-up and each request — checks that shape against the contract before a single value is copied (a graph
// that declares [1,16,2] may compute [1,8,2]; see ortSession.outputProblem). A mismatch is answered with STATUS
// INVALID_OUTPUT, never with an action. The session is warmed up before "ready" is posted.
import { parentPort, workerData } from 'node:worker_threads';
import { openSession, outputProblem, policyFeeds } from './ortSession.js';
import type { PolicyShapes } from './policySpec.js';
import { CTRL, STATUS, sharedTensors, type SharedLayout } from './sharedTensors.js';

export type WorkerData = {
  readonly modelPath: string;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly warmupRuns: number;
  readonly layout: SharedLayout;
  readonly shapes: PolicyShapes;
  readonly buffer: SharedArrayBuffer;
};

export type WorkerReady = { readonly type: 'ready'; readonly warmupSec: number[] };
export type WorkerFailed = { readonly type: 'failed'; readonly message: string };

const encoder = new TextEncoder();

/** Thrown by a run whose output breaks the contract (status INVALID_OUTPUT rather than ERROR). */
class OutputContractError extends Error {}

async function main(data: WorkerData): Promise<void> {
  const shared = sharedTensors(data.layout, data.buffer);
  const { ctrl } = shared;
  const session = await openSession(data.modelPath, data);
  const local = {
    state: new Float32Array(shared.state.length),
    noise: new Float32Array(shared.noise.length),
    image: new Uint8Array(shared.image.length),
  };
  const feeds = policyFeeds(data.shapes, local);
  const run = async (): Promise<void> => {
    local.state.set(shared.state);
    local.noise.set(shared.noise);
    if (data.shapes.image !== null) local.image.set(shared.image);
    const action = (await session.run(feeds))['action'];
    const problem = outputProblem(action, data.shapes.action);
    if (problem !== null) throw new OutputContractError(problem);
    shared.action.set(action!.data as Float32Array);
  };
  const warmupSec: number[] = [];
  for (let i = 0; i < Math.max(1, data.warmupRuns); i++) {
    const t0 = process.hrtime.bigint();
    await run();
    warmupSec.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  // Read the counter BEFORE announcing readiness: the main thread may send its first request the moment it hears.
  let seen = Atomics.load(ctrl, CTRL.REQUEST);
  parentPort!.postMessage({ type: 'ready', warmupSec } satisfies WorkerReady);

  for (;;) {
    Atomics.wait(ctrl, CTRL.REQUEST, seen); // sleeps until the main thread bumps REQUEST
    seen = Atomics.load(ctrl, CTRL.REQUEST);
    if (Atomics.load(ctrl, CTRL.STOP) !== 0) break;
    const t0 = process.hrtime.bigint();
    let status: number = STATUS.OK;
    try {
      await run();
    } catch (err) {
      status = err instanceof OutputContractError ? STATUS.INVALID_OUTPUT : STATUS.ERROR;
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
