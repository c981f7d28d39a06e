// The Logger port: structured fields first, message second (pino's call shape). pinoLogger.ts adapts pino.
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const NULL_LOGGER: Logger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });

/** A Logger that keeps every record, for tests. */
export class MemoryLogger implements Logger {
  readonly records: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  debug(fields: Record<string, unknown>, message: string): void {
    this.records.push({ level: 'debug', fields, message });
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.records.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.records.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.records.push({ level: 'error', fields, message });
  }
}
