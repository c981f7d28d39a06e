// Errors that carry numbers (style.md §8). Every error has a stable `code`; start-up errors name the offending field,
// the value received and what was allowed. The control loop itself never throws: it returns an outcome.
// The ONNX contract errors (`ModelContractError`, `OnnxFormatError`) live in `src/onnx/errors.ts` beside the reader.

export const ERROR_CODES = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  TRANSPORT: 'TRANSPORT',
  INFERENCE_WORKER: 'INFERENCE_WORKER',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Base class: every OneFlow error has a stable machine-readable `code`. */
export class OneflowError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OneflowError';
    this.code = code;
  }
}

/** One invalid configuration field: its name, the value received and the allowed range or set. */
export type ConfigProblem = { readonly field: string; readonly value: unknown; readonly allowed: string };

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function describeProblem(p: ConfigProblem): string {
  return `${p.field} must be ${p.allowed}, got ${show(p.value)}`;
}

/** The node configuration was refused at start-up. `problems` lists every invalid field. */
export class ConfigError extends OneflowError {
  readonly problems: readonly ConfigProblem[];
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
  constructor(problems: readonly ConfigProblem[]) {
    const first = problems[0] ?? { field: '?', value: undefined, allowed: '?' };
    const more = problems.length > 1 ? `; and ${problems.slice(1).map(describeProblem).join('; ')}` : '';
    super(ERROR_CODES.CONFIG_INVALID, `invalid node config: ${describeProblem(first)}${more}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
    this.field = first.field;
    this.value = first.value;
    this.allowed = first.allowed;
  }
}

/** A transport (ROS or bag) failed; `context` is a suffix such as `[topic=/camera/image_raw]`. */
export class TransportError extends OneflowError {
  constructor(message: string, context?: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.TRANSPORT, context === undefined ? message : `${message} ${context}`, options);
    this.name = 'TransportError';
  }
}

/** The inference worker could not start, load the model or warm up. */
export class InferenceWorkerError extends OneflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.INFERENCE_WORKER, message, options);
    this.name = 'InferenceWorkerError';
  }
}

// The ONNX contract errors, defined beside the reader (src/onnx/errors.ts), belong to the same catalogue.
export { ModelContractError, OnnxFormatError } from './onnx/errors.js';
