// Logger adapter over pino: JSON lines, structured fields carrying the numbers. Writes asynchronously (sonic-boom,
// no sync I/O on the hot path); warnings in the core are already rate-limited by LogThrottle.
import { pino, type DestinationStream } from 'pino';
import type { LogLevel } from '../config/nodeConfig.js';
import type { Logger } from './logger.js';

export function pinoLogger(level: LogLevel, destination?: DestinationStream): Logger & { flush(): void } {
  const p =
    destination === undefined ? pino({ name: 'oneflow', level }, pino.destination({ dest: 2, sync: false })) : pino({ name: 'oneflow', level }, destination);
  return {
    debug: (fields, message) => p.debug(fields, message),
    info: (fields, message) => p.info(fields, message),
    warn: (fields, message) => p.warn(fields, message),
    error: (fields, message) => p.error(fields, message),
    flush: () => p.flush(),
  };
}
