// Rate limiting for repeated warnings (R2CS RCLCPP_WARN_THROTTLE): at most one record per key per interval; the
// next record reports how many were suppressed. Pure: time is passed in as bigint ns.
export class LogThrottle {
  readonly #intervalNs: bigint;
  readonly #last = new Map<string, { atNs: bigint; suppressed: number }>();

  constructor(intervalSec: number) {
    this.#intervalNs = BigInt(Math.round(intervalSec * 1e9));
  }

  /** Returns the number of records suppressed since the last one when this one may be logged, else null. */
  admit(key: string, nowNs: bigint): number | null {
    const entry = this.#last.get(key);
    if (entry === undefined || nowNs - entry.atNs >= this.#intervalNs || nowNs < entry.atNs) {
      const suppressed = entry?.suppressed ?? 0;
      this.#last.set(key, { atNs: nowNs, suppressed: 0 });
      return suppressed;
    }
    entry.suppressed++;
    return null;
  }
}
