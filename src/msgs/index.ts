export * from './types.js';
export { MESSAGE_DEFINITIONS, DEFINITION_SEPARATOR, ACTION_CHUNK_TEXT, isKnownType } from './definitions.js';
export { MessageCodec, SchemaError, codecFor, encodeMessage, decodeMessage } from './codec.js';
