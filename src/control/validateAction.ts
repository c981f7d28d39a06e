// Refuse a policy output that is not finite or outside the contract's action bounds (design.md §4 watchdog).
// Returns null when valid, else the first offending element with its value and the bound.
export function validateAction(action: Float32Array, dims: number, low: readonly number[], high: readonly number[]): string | null {
  for (let i = 0; i < action.length; i++) {
    const v = action[i]!;
    const d = i % dims;
    if (!Number.isFinite(v)) return `action[${Math.floor(i / dims)}][${d}] is ${v}`;
    const lo = low[d] ?? -Infinity;
    const hi = high[d] ?? Infinity;
    if (v < lo || v > hi) return `action[${Math.floor(i / dims)}][${d}] = ${v} outside [${lo}, ${hi}]`;
  }
  return null;
}
