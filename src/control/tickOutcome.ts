// The five outcomes of one control tick (docs/node.md). Every tick has exactly one; the loop never throws.
export const TICK_OUTCOMES = ['ok', 'stale_input', 'deadline_miss', 'invalid_output', 'error'] as const;
/**
 * - ok: a fresh, valid chunk was produced (or, in DP-style, the current chunk is still being executed);
 * - stale_input: an observation source is missing or older than maxObservationAgeSec at tick time;
 * - deadline_miss: no inference result within the tick's deadline (the worker may still be computing);
 * - invalid_output: the policy returned NaN/Inf or an action outside the contract's bounds;
 * - error: the runtime reported an error or the tick caught an unexpected exception.
 */
export type TickOutcome = (typeof TICK_OUTCOMES)[number];
