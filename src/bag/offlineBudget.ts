// `--no-deadline`: replay judged on outputs, not on timing. Every inference gets `budgetSec` (default 60 s)
// instead of the tick's real-time deadline, so a loaded machine (or a slow teacher) cannot turn a tick into a
// deadline_miss, and the output bag depends on (bag, model, seed) alone. Timing is still measured and summarised.
import type { InferenceResult, PolicyInput, PolicyRuntime } from '../policy/policyRuntime.js';

export function withoutDeadline(inner: PolicyRuntime, budgetSec = 60): PolicyRuntime {
  return {
    spec: inner.spec,
    infer: (input: PolicyInput, _budgetSec: number): Promise<InferenceResult> => inner.infer(input, budgetSec),
    close: () => inner.close(),
  };
}
