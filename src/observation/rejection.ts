import type { RejectReason } from './rejectReason.js';

/** A decoder's refusal: the reason (counted) and the numbers (logged, rate-limited). null means accepted. */
export type Rejection = { readonly reason: RejectReason; readonly detail: string } | null;

export function reject(reason: RejectReason, detail: string): Rejection {
  return { reason, detail };
}

/** Reads a `{sec, nanosec}` header stamp as ns; zero stamps fall back to `receiveNs`; invalid → null. */
export function stampNs(msg: unknown, receiveNs: bigint): bigint | null {
  const stamp = (msg as { header?: { stamp?: { sec?: unknown; nanosec?: unknown } } } | null)?.header?.stamp;
  const sec = stamp?.sec;
  const nanosec = stamp?.nanosec;
  if (typeof sec !== 'number' || typeof nanosec !== 'number') return null;
  if (!Number.isInteger(sec) || !Number.isInteger(nanosec) || sec < 0 || nanosec < 0 || nanosec >= 1e9) return null;
  if (sec === 0 && nanosec === 0) return receiveNs;
  return BigInt(sec) * 1_000_000_000n + BigInt(nanosec);
}
