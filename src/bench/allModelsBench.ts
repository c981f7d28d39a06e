// Bench (m): every shipped policy in ONE run through the same runtime as (b) (OnnxPolicy worker, same session options,
// same call path), so docs/results/table1.md can put all latencies and their ratios side by side. Multi-call
// samplers (teachers) get `nMultiCall` samples, one-call policies `nOneCall`.
import type { ShippedModel } from './shippedModels.js';
import { measurePolicyLatency, type PolicyLatency } from './teacherStudentBench.js';

export type AllModelsResult = { readonly models: readonly PolicyLatency[] };

export async function allModelsBench(
  models: readonly ShippedModel[],
  nMultiCall: number,
  nOneCall: number,
  log: (msg: string) => void,
): Promise<AllModelsResult> {
  const out: PolicyLatency[] = [];
  for (const [i, m] of models.entries()) {
    log(`(m) ${i + 1}/${models.length} ${m.path}`);
    out.push(await measurePolicyLatency(m.path, m.networkCalls > 1 ? nMultiCall : nOneCall));
  }
  return { models: out };
}

/** p50 latency of the DDPM teacher with the same kind of input (keypoint or image) over this model's, or null. */
export function ratioToTeacher(result: AllModelsResult, models: readonly ShippedModel[], path: string): number | null {
  const kind = models.find((m) => m.path === path)?.usesImage;
  const teacher = models.find((m) => m.method === 'ddpm' && m.usesImage === kind);
  const t = result.models.find((r) => r.model === teacher?.path);
  const x = result.models.find((r) => r.model === path);
  return t === undefined || x === undefined ? null : t.inference.p50 / x.inference.p50;
}
