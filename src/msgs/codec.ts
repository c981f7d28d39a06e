// One CDR codec for live (rclnodejs raw subscriptions) and replay (MCAP `cdr` payloads): bytes are the 4-byte
// encapsulation header + XCDR1, exactly what @foxglove/rosmsg2-serialization reads and writes.
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import { CdrBounds } from './cdrBounds.js';
import { MESSAGE_DEFINITIONS, isKnownType } from './definitions.js';
import type { MessageTypeName, MessageTypes } from './types.js';
import { ERROR_CODES, OneflowError } from '../oneflowError.js';

export class SchemaError extends OneflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.MSG_SCHEMA, message, options);
    this.name = 'SchemaError';
  }
}

/** Encoder/decoder for one message type, built from its ros2msg text. */
export class MessageCodec<T = unknown> {
  readonly typeName: string;
  readonly #reader: MessageReader<T>;
  readonly #writer: MessageWriter;
  readonly #bounds: CdrBounds;

  constructor(typeName: string, definitionText: string) {
    let defs;
    try {
      defs = parse(definitionText, { ros2: true });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new SchemaError(`cannot parse the ros2msg definition of ${typeName}: ${why}`);
    }
    if (defs.length === 0) throw new SchemaError(`the ros2msg definition of ${typeName} is empty`);
    this.typeName = typeName;
    this.#reader = new MessageReader<T>(defs);
    this.#writer = new MessageWriter(defs);
    this.#bounds = new CdrBounds(defs);
  }

  /**
   * Decode CDR bytes. Throws SchemaError (with the type name and byte count) when the payload is shorter than the
   * schema or claims more elements than its bytes can hold — checked before anything is allocated (cdrBounds.ts).
   */
  decode(bytes: Uint8Array): T {
    const refused = this.#bounds.check(bytes);
    if (refused !== null) throw new SchemaError(`cannot decode ${bytes.byteLength} bytes as ${this.typeName}: ${refused}`);
    try {
      return this.#reader.readMessage<T>(bytes);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new SchemaError(`cannot decode ${bytes.byteLength} bytes as ${this.typeName}: ${why}`);
    }
  }

  encode(message: T): Uint8Array {
    return this.#writer.writeMessage(message);
  }
}

const cache = new Map<string, MessageCodec>();

/** The shared codec for one of our known types. */
export function codecFor<K extends MessageTypeName>(typeName: K): MessageCodec<MessageTypes[K]> {
  let codec = cache.get(typeName);
  if (codec === undefined) {
    codec = new MessageCodec(typeName, MESSAGE_DEFINITIONS[typeName]);
    cache.set(typeName, codec);
  }
  return codec as MessageCodec<MessageTypes[K]>;
}

export function encodeMessage<K extends MessageTypeName>(typeName: K, message: MessageTypes[K]): Uint8Array {
  return codecFor(typeName).encode(message);
}

export function decodeMessage<K extends MessageTypeName>(typeName: K, bytes: Uint8Array): MessageTypes[K] {
  return codecFor(typeName).decode(bytes);
}

export { isKnownType };
