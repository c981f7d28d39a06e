// Start-up probe [adapter: child_process]: before the inference worker starts, one inference of the model runs in a
// child process under the start timeout. A model that never finishes (e.g. an ONNX Loop of 2^40 iterations) is
// killed with SIGKILL and start-up fails naming the model and the timeout — a worker thread stuck in native
// onnxruntime code could not be stopped at all, and would keep even process.exit() from returning. The probe also
// reports the output shape the model really computes, so `OnnxPolicy.create` refuses a graph that declares [1,16,2]
// but returns [1,8,2] as a contract error before any worker exists. Costs one extra session load at start-up.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InferenceWorkerError } from '../errors.js';
import type { SessionThreads } from './ortSession.js';
import type { PolicyShapes } from './policySpec.js';

export type ProbeRequest = { readonly modelPath: string; readonly threads: SessionThreads; readonly shapes: PolicyShapes };
export type ProbeReply =
  /** `problem`: why the output breaks the contract (ortSession.outputProblem), or null. */
  | { readonly type: 'done'; readonly runSec: number; readonly outputDims: number[] | null; readonly problem: string | null }
  | { readonly type: 'failed'; readonly message: string };

export const tensorCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Runs the probe; resolves with its reply, rejects with an InferenceWorkerError on timeout or a crashed child. */
export function probeModel(req: ProbeRequest, timeoutSec: number): Promise<ProbeReply> {
  const child = fork(fileURLToPath(new URL('./probeProcess.js', import.meta.url)), [], {
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<ProbeReply>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() =>
        reject(
          new InferenceWorkerError(
            `inference worker not ready after ${timeoutSec} s (start timeout): one inference of the model did not finish, so the ` +
              `probe process was killed — does the graph ever end (e.g. a Loop with a huge trip count)? [model=${req.modelPath}]`,
          ),
        ),
      );
    }, timeoutSec * 1000);
    child.once('message', (reply: ProbeReply) => settle(() => resolve(reply)));
    child.once('error', (err) =>
      settle(() => reject(new InferenceWorkerError(`start-up probe failed: ${err.message} [model=${req.modelPath}]`, { cause: err }))),
    );
    child.once('exit', (code, signal) =>
      settle(() => reject(new InferenceWorkerError(`start-up probe exited (code ${code}, signal ${signal}) before reporting [model=${req.modelPath}]`))),
    );
    child.send(req);
  });
}
