// The policy files a directory ships (models/*.onnx with readable `oneflow.policy` metadata) and the pair `oneflow
// bench` measures by default: the keypoint (state-only) DDPM teacher and OneFlow student, because those are the
// policies docs/results/table1.md reports. Image policies are used only when no keypoint pair is shipped.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readOnnxModel } from '../onnx/readOnnxModel.js';

export type ShippedModel = { readonly path: string; readonly method: string; readonly networkCalls: number; readonly usesImage: boolean };

/** Every `*.onnx` in `dir` (sorted by name) whose metadata parses; an unreadable file or a missing dir gives none. */
export async function shippedModels(dir: string): Promise<ShippedModel[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.onnx')).sort();
  } catch {
    return [];
  }
  const out: ShippedModel[] = [];
  for (const f of files) {
    try {
      const m = await readOnnxModel(join(dir, f));
      if (m.policy !== null) {
        out.push({
          path: join(dir, f),
          method: m.policy.method,
          networkCalls: m.policy.network_calls_per_inference,
          usesImage: m.policy.observation.image !== null,
        });
      }
    } catch {
      // not a readable policy file: not shipped as one
    }
  }
  return out;
}

/** The first model of `method`, keypoint (state-only) policies before image ones; null when there is none. */
export function pickModel(models: readonly ShippedModel[], method: string): string | null {
  const ofMethod = models.filter((m) => m.method === method);
  return (ofMethod.find((m) => !m.usesImage) ?? ofMethod[0])?.path ?? null;
}
