// Refuse values that are not finite or outside the contract's action bounds (docs/node.md, watchdog). Every point the
// node publishes passes this check: policy outputs, and holds built from measured joints (issue 18 item 4).
// Returns null when valid, else the first offending element with its value and the bound.

/** How an element is named in the message: `action[r][d]` by default. */
export type ElementLabel = (row: number, dim: number) => string;
const actionLabel: ElementLabel = (r, d) => `action[${r}][${d}]`;

export function validateAction(
  action: ArrayLike<number>,
  dims: number,
  low: readonly number[],
  high: readonly number[],
  label: ElementLabel = actionLabel,
): string | null {
  for (let i = 0; i < action.length; i++) {
    const v = action[i]!;
    const d = i % dims;
    const r = Math.floor(i / dims);
    if (!Number.isFinite(v)) return `${label(r, d)} is ${v}`;
    const lo = low[d] ?? -Infinity;
    const hi = high[d] ?? Infinity;
    if (v < lo || v > hi) return `${label(r, d)} = ${v} outside [${lo}, ${hi}]`;
  }
  return null;
}
