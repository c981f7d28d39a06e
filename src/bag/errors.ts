import { ERROR_CODES, OneflowError } from '../oneflowError.js';

/** A bag that cannot be read or written as asked. The message names the file, the topic and the time. */
export class BagError extends OneflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.BAG, message, options);
    this.name = 'BagError';
  }
}

/** Nanoseconds since the epoch → "1700000000.100000000 s" (exact, for messages). */
export function formatNs(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  return `${neg ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')} s`;
}

/** The message of anything thrown. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
