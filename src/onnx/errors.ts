// Errors raised while reading an ONNX policy file or checking it against the node's expectations. Each carries a
// stable `code` and the numbers involved (style.md §8). The node core may re-export these from `src/errors.ts`.
import { ERROR_CODES, OneflowError } from '../oneflowError.js';

/** The file is not a readable ONNX ModelProto (corrupt, truncated, empty, not ONNX at all, unreadable). */
export class OnnxFormatError extends OneflowError {
  override readonly code = 'ONNX_FORMAT' as const;
  readonly path: string | undefined;
  constructor(message: string, options: { path?: string; cause?: unknown } = {}) {
    super(ERROR_CODES.ONNX_FORMAT, options.path === undefined ? message : `${message} [file=${options.path}]`, { cause: options.cause });
    this.name = 'OnnxFormatError';
    this.path = options.path;
  }
}

/** One way in which a model does not fit what the node expects. */
export type ContractMismatch = {
  /** Dotted path of the offending field, e.g. `input.state.shape` or `metadata.action.horizon`. */
  readonly field: string;
  readonly expected: unknown;
  readonly found: unknown;
};

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return String(value); // Infinity and NaN too (JSON.stringify would say null)
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) ?? String(value);
}

/** Formats a mismatch the way every contract error reads: field, expected, found. */
export function describeMismatch(m: ContractMismatch): string {
  return `${m.field}: expected ${show(m.expected)}, found ${show(m.found)}`;
}

/** The model does not fit the node's configuration or the OneFlow policy contract; refuse to start. */
export class ModelContractError extends OneflowError {
  override readonly code = 'MODEL_CONTRACT' as const;
  /** Every mismatch found (the message names the first and counts the rest). */
  readonly mismatches: readonly ContractMismatch[];
  readonly field: string;
  readonly expected: unknown;
  readonly found: unknown;
  constructor(mismatches: readonly ContractMismatch[], context?: string) {
    const first = mismatches[0] ?? { field: '?', expected: '?', found: '?' };
    const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more: ${mismatches.slice(1).map(describeMismatch).join('; ')})` : '';
    const where = context === undefined ? '' : ` [model=${context}]`;
    super(ERROR_CODES.MODEL_CONTRACT, `model does not fit the OneFlow policy contract: ${describeMismatch(first)}${more}${where}`);
    this.name = 'ModelContractError';
    this.mismatches = Object.freeze([...mismatches]);
    this.field = first.field;
    this.expected = first.expected;
    this.found = first.found;
  }
}
