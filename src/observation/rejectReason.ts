// Why an incoming message was rejected (counted per source; the node never throws on a message).
export const REJECT_REASONS = [
  'encoding', // unsupported image encoding / compressed format
  'size', // data length contradicts width/height/step, or zero-sized image
  'non_finite', // NaN or Inf in a value we use
  'missing_joint', // a required joint name is absent or position[] is too short
  'decode_error', // compressed payload could not be decoded
  'bad_stamp', // header stamp missing/invalid or older than the newest sample already held
  'malformed', // not a message of the expected shape
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
