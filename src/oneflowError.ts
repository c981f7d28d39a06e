// The root of OneFlow's one error tree (style.md §8): codes, their exit statuses and the base class. It imports
// nothing, so error classes anywhere (src/onnx/errors.ts, src/bag/errors.ts, src/msgs/codec.ts) can extend it
// without an import cycle; src/errors.ts re-exports everything from one place. The catalogue with meaning and
// what to do is docs/errors.md (kept in sync with ERROR_CODES by test/unit/config/errors.test.ts).

/** Process exit statuses of every `oneflow` command. */
export const EXIT_STATUS = {
  OK: 0,
  /** An unexpected failure (not a OneflowError): a bug; ONEFLOW_DEBUG=1 prints the stack. */
  INTERNAL: 1,
  /** The command line or the configuration was refused. */
  USAGE: 2,
  /** The model file was refused: missing, unreadable, or it breaks the contract. */
  MODEL: 3,
  /** The input data (a bag, a message schema) was refused, or had problems under `replay --strict`. */
  INPUT: 4,
  /** The environment failed at run time: ROS, a port, the inference worker. */
  RUNTIME: 5,
} as const;
export type ExitStatus = (typeof EXIT_STATUS)[keyof typeof EXIT_STATUS];

/** Every error code, with the exit status it maps to. */
export const ERROR_CODES = {
  USAGE: 'USAGE',
  CONFIG_INVALID: 'CONFIG_INVALID',
  ONNX_FORMAT: 'ONNX_FORMAT',
  MODEL_CONTRACT: 'MODEL_CONTRACT',
  BAG: 'BAG',
  MSG_SCHEMA: 'MSG_SCHEMA',
  TRANSPORT: 'TRANSPORT',
  INFERENCE_WORKER: 'INFERENCE_WORKER',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export const EXIT_STATUS_OF_CODE: Readonly<Record<ErrorCode, ExitStatus>> = Object.freeze({
  USAGE: EXIT_STATUS.USAGE,
  CONFIG_INVALID: EXIT_STATUS.USAGE,
  ONNX_FORMAT: EXIT_STATUS.MODEL,
  MODEL_CONTRACT: EXIT_STATUS.MODEL,
  BAG: EXIT_STATUS.INPUT,
  MSG_SCHEMA: EXIT_STATUS.INPUT,
  TRANSPORT: EXIT_STATUS.RUNTIME,
  INFERENCE_WORKER: EXIT_STATUS.RUNTIME,
});

/** Base class: every OneFlow error has a stable machine-readable `code` and an exit status. */
export class OneflowError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OneflowError';
    this.code = code;
  }
  /** What a `oneflow` command exits with when this error ends it. */
  get exitStatus(): ExitStatus {
    return EXIT_STATUS_OF_CODE[this.code];
  }
}

/** The exit status for anything thrown: the error's own for a OneflowError, INTERNAL otherwise. */
export function exitStatusOf(err: unknown): ExitStatus {
  return err instanceof OneflowError ? err.exitStatus : EXIT_STATUS.INTERNAL;
}
