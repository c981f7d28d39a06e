// PolicyRuntime over onnxruntime-node in a worker thread (adapter). `OnnxPolicy.create` reads the ONNX file's
// contract with src/onnx (refusing a model that does not fit, before any session exists), runs one inference in a
// killable child process under the start timeout (probeModel.ts: a graph that never ends fails start-up; an output
// whose real shape is not the declared one is a ModelContractError), then starts the worker, which loads and warms
// up the session, and resolves once it is ready. Every call's output shape is checked again in the worker: a
// mismatch is answered `invalid_output`, never with an action. `infer` writes the inputs into shared memory, wakes
// the worker and waits with Atomics.waitAsync *with a timeout*: the main thread sees the deadline pass while the
// worker still computes. While the worker is busy with a late call, new calls are answered `deadline_miss` (busy)
// at once — one inference in flight at most, so memory is never written under the worker's feet.
import { Worker } from 'node:worker_threads';
import { InferenceWorkerError, ModelContractError } from '../errors.js';
import { readOnnxModel } from '../onnx/readOnnxModel.js';
import { validateContract } from '../onnx/contract.js';
import type { InferenceResult, PolicyInput, PolicyRuntime } from './policyRuntime.js';
import { specFromMetadata, tensorShapes, tensorSizes, type PolicySpec } from './policySpec.js';
import { probeModel } from './probeModel.js';
import { CTRL, STATUS, sharedTensors, type SharedTensors } from './sharedTensors.js';
import type { WorkerData, WorkerFailed, WorkerReady } from './onnxWorker.js';

export type OnnxPolicyOptions = {
  readonly modelPath: string;
  /** Default 1 (pinned). */
  readonly intraOpThreads?: number;
  /** Default 1 (pinned). */
  readonly interOpThreads?: number;
  /** Runs before ready (default 5). */
  readonly warmupRuns?: number;
  /** Give up start-up after this long, s (default 120): the probe's one inference plus the worker's load and warm-up. */
  readonly startTimeoutSec?: number;
};

type WaitAsync = (
  ta: Int32Array,
  index: number,
  value: number,
  timeoutMs?: number,
) => { async: boolean; value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out' };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
const decoder = new TextDecoder();

export class OnnxPolicy implements PolicyRuntime {
  readonly spec: PolicySpec;
  /** Wall times of the warm-up runs, s. */
  readonly warmupSec: readonly number[];
  readonly #worker: Worker;
  readonly #shared: SharedTensors;
  #request = 0;
  #dead: string | null = null;

  private constructor(spec: PolicySpec, worker: Worker, shared: SharedTensors, warmupSec: number[]) {
    this.spec = spec;
    this.#worker = worker;
    this.#shared = shared;
    this.warmupSec = Object.freeze(warmupSec);
    worker.on('error', (err) => {
      this.#dead = `inference worker crashed: ${err.message}`;
    });
    worker.on('exit', (code) => {
      this.#dead ??= `inference worker exited with code ${code}`;
    });
  }

  static async create(options: OnnxPolicyOptions): Promise<OnnxPolicy> {
    const file = await readOnnxModel(options.modelPath);
    const meta = validateContract(file, options.modelPath);
    const spec = specFromMetadata(meta, file.sha256.slice(0, 16));
    const sizes = tensorSizes(spec);
    const shared = sharedTensors(sizes);
    const shapes = tensorShapes(spec);
    const threads = { intraOpThreads: options.intraOpThreads ?? 1, interOpThreads: options.interOpThreads ?? 1 };
    const timeoutSec = options.startTimeoutSec ?? 120;
    const startNs = process.hrtime.bigint();
    const probe = await probeModel({ modelPath: options.modelPath, threads, shapes }, timeoutSec);
    if (probe.type === 'failed') throw new InferenceWorkerError(`inference worker failed to start: ${probe.message} [model=${options.modelPath}]`);
    if (probe.problem !== null) {
      throw new ModelContractError([{ field: 'output.action.shape', expected: shapes.action, found: probe.outputDims ?? 'missing' }], options.modelPath);
    }
    const data: WorkerData = { modelPath: options.modelPath, ...threads, warmupRuns: options.warmupRuns ?? 5, layout: sizes, shapes, buffer: shared.buffer };
    const worker = new Worker(new URL('./onnxWorker.js', import.meta.url), { workerData: data });
    const leftMs = Math.max(0, timeoutSec * 1000 - Number(process.hrtime.bigint() - startNs) / 1e6);
    const ready = await new Promise<WorkerReady>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new InferenceWorkerError(`inference worker not ready after ${timeoutSec} s (start timeout) [model=${options.modelPath}]`)),
        leftMs,
      );
      worker.once('message', (m: WorkerReady | WorkerFailed) => {
        clearTimeout(timer);
        if (m.type === 'ready') resolve(m);
        else reject(new InferenceWorkerError(`inference worker failed to start: ${m.message} [model=${options.modelPath}]`));
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(new InferenceWorkerError(`inference worker crashed at start-up: ${err.message} [model=${options.modelPath}]`, { cause: err }));
      });
    }).catch(async (err: unknown) => {
      // A worker stuck in native code never exits; do not wait for it forever (the probe made that unlikely).
      await Promise.race([worker.terminate(), new Promise((r) => setTimeout(r, 2000).unref())]);
      worker.unref();
      throw err;
    });
    return new OnnxPolicy(spec, worker, shared, ready.warmupSec);
  }

  /** True while the worker still computes a request whose caller has already given up on it. */
  get busy(): boolean {
    return Atomics.load(this.#shared.ctrl, CTRL.DONE) !== this.#request;
  }

  async infer(input: PolicyInput, budgetSec: number): Promise<InferenceResult> {
    if (this.#dead !== null) return { kind: 'error', message: this.#dead };
    const { ctrl } = this.#shared;
    if (this.busy) return { kind: 'deadline_miss', elapsedSec: 0, busy: true };
    const shared = this.#shared;
    shared.state.set(input.state);
    shared.noise.set(input.noise);
    if (input.image !== null) shared.image.set(input.image);
    const request = ++this.#request;
    const t0 = process.hrtime.bigint();
    Atomics.store(ctrl, CTRL.REQUEST, request);
    Atomics.notify(ctrl, CTRL.REQUEST);
    const wait = waitAsync(ctrl, CTRL.DONE, request - 1, Math.max(0, budgetSec * 1000));
    const outcome = wait.async ? await wait.value : wait.value;
    if (outcome === 'timed-out' && Atomics.load(ctrl, CTRL.DONE) !== request) {
      return { kind: 'deadline_miss', elapsedSec: Number(process.hrtime.bigint() - t0) / 1e9, busy: true };
    }
    const status = Atomics.load(ctrl, CTRL.STATUS);
    if (status !== STATUS.OK) {
      const message = decoder.decode(shared.errorText.slice(0, Atomics.load(ctrl, CTRL.ERROR_LENGTH)));
      return status === STATUS.INVALID_OUTPUT ? { kind: 'invalid_output', message } : { kind: 'error', message: `onnxruntime: ${message}` };
    }
    return { kind: 'ok', action: shared.action, inferenceSec: shared.timing[0]! };
  }

  async close(): Promise<void> {
    if (this.#dead !== null) return;
    this.#dead = 'policy closed';
    const { ctrl } = this.#shared;
    Atomics.store(ctrl, CTRL.STOP, 1);
    Atomics.add(ctrl, CTRL.REQUEST, 1);
    Atomics.notify(ctrl, CTRL.REQUEST);
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void this.#worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }
}
