// Errors that carry numbers (style.md §8): one tree. Every TypeScript error of OneFlow extends `OneflowError`
// (src/oneflowError.ts), has a stable `code` and, through the code, the exit status the CLI returns for it;
// start-up errors name the offending field, the value received and what was allowed. The control loop itself never
// throws: it returns an outcome. Import any error from here; docs/errors.md is the catalogue.
import { ERROR_CODES, OneflowError } from './oneflowError.js';

export { ERROR_CODES, EXIT_STATUS, EXIT_STATUS_OF_CODE, OneflowError, exitStatusOf, type ErrorCode, type ExitStatus } from './oneflowError.js';
export { ModelContractError, OnnxFormatError } from './onnx/errors.js';
// BagError (src/bag/errors.ts) and SchemaError (src/msgs/codec.ts) are imported from beside their adapters, so
// that the pure core importing this file does not load the MCAP and CDR libraries.

/** The command line was refused (unknown option or command, a bad flag value); the message says what to type. */
export class UsageError extends OneflowError {
  constructor(message: string) {
    super(ERROR_CODES.USAGE, message);
    this.name = 'UsageError';
  }
}

/** One invalid configuration field: its name, the value received and the allowed range or set. `unknown`: the name
 * is not a field at all, and `allowed` then carries the suggestion. */
export type ConfigProblem = { readonly field: string; readonly value: unknown; readonly allowed: string; readonly unknown?: boolean };

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
  if (p.unknown === true) return `unknown parameter ${p.field} (= ${show(p.value)})${p.allowed}`;
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
