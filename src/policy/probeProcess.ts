// The start-up probe's child process (entry point; see probeModel.ts). Opens the model exactly as the inference worker
// will, runs it once on zero inputs (the worker's warm-up inputs), checks the output shape against the contract and
// reports back over IPC. It lives in its own process because a run that never finishes can only be stopped by
// killing the process: onnxruntime-node's run() blocks its thread in native code, where neither Worker.terminate()
// nor process.exit() reach it (observed: both wait forever on a Loop of 2^40 iterations).
import { openSession, outputProblem, policyFeeds } from './ortSession.js';
import { tensorCount, type ProbeReply, type ProbeRequest } from './probeModel.js';

async function probe(req: ProbeRequest): Promise<ProbeReply> {
  const session = await openSession(req.modelPath, req.threads);
  const s = req.shapes;
  const feeds = policyFeeds(s, {
    state: new Float32Array(tensorCount(s.state)),
    noise: new Float32Array(tensorCount(s.noise)),
    image: new Uint8Array(s.image === null ? 0 : tensorCount(s.image)),
  });
  const t0 = process.hrtime.bigint();
  const action = (await session.run(feeds))['action'];
  const runSec = Number(process.hrtime.bigint() - t0) / 1e9;
  await session.release();
  return { type: 'done', runSec, outputDims: action === undefined ? null : [...action.dims], problem: outputProblem(action, s.action) };
}

process.once('message', (req: ProbeRequest) => {
  probe(req)
    .catch((err: unknown): ProbeReply => ({ type: 'failed', message: err instanceof Error ? err.message : String(err) }))
    .then((reply) => process.send!(reply, () => process.disconnect()))
    .catch(() => process.exit(1)); // the parent is gone (IPC channel closed): nobody to report to
});
