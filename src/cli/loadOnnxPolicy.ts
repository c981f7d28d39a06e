// The ONNX policy a command runs, built from the node configuration: the node core's onnxruntime worker adapter,
// the same for `oneflow run` and `oneflow replay` (onnxruntime itself is loaded inside the worker only, so replay
// without --model never loads it).
import type { NodeConfig } from '../config/nodeConfig.js';
import { OnnxPolicy } from '../policy/onnxPolicy.js';
import type { PolicyRuntime } from '../policy/policyRuntime.js';

export async function loadOnnxPolicy(config: NodeConfig): Promise<PolicyRuntime> {
  return OnnxPolicy.create({
    modelPath: config.modelPath,
    intraOpThreads: config.intraOpThreads,
    interOpThreads: config.interOpThreads,
    warmupRuns: config.warmupRuns,
  });
}
