// The ONNX policy for replay: the node core's onnxruntime worker adapter (src/policy/onnxPolicy.ts), the same one
// `oneflow run` uses. Imported lazily so that replay without --model never loads onnxruntime.
import type { NodeConfig } from '../config/nodeConfig.js';
import type { PolicyRuntime } from '../policy/policyRuntime.js';

type OnnxPolicyModule = {
  OnnxPolicy: {
    create(options: { modelPath: string; intraOpThreads?: number; interOpThreads?: number; warmupRuns?: number }): Promise<PolicyRuntime>;
  };
};

export async function loadOnnxPolicy(config: NodeConfig): Promise<PolicyRuntime> {
  const modulePath = '../policy/onnxPolicy.js'; // a variable: resolved at run time only
  const mod = (await import(modulePath)) as OnnxPolicyModule;
  return mod.OnnxPolicy.create({
    modelPath: config.modelPath,
    intraOpThreads: config.intraOpThreads,
    interOpThreads: config.interOpThreads,
    warmupRuns: config.warmupRuns,
  });
}
