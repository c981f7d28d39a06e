// The ONNX policy for replay: the node core's onnxruntime worker adapter (src/policy/onnxPolicy.ts), the same one
// `oneflow run` uses. Imported lazily so that replay without --model never loads onnxruntime.
import type { NodeConfig } from '../config/nodeConfig.js';
import type { PolicyRuntime } from '../policy/policyRuntime.js';

type OnnxPolicyModule = { OnnxPolicy: { create(config: NodeConfig): Promise<PolicyRuntime> } };

export async function loadOnnxPolicy(config: NodeConfig): Promise<PolicyRuntime> {
  const modulePath = '../policy/onnxPolicy.js'; // a variable: the adapter is optional at compile time
  const mod = (await import(modulePath)) as OnnxPolicyModule;
  return mod.OnnxPolicy.create(config);
}
