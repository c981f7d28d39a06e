// Percentiles of a latency sample (nearest-rank), in seconds.
export type LatencyStats = {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
};

export function latencyStats(samples: ArrayLike<number>): LatencyStats {
  const s = Array.from(samples).sort((a, b) => a - b);
  const n = s.length;
  const q = (p: number): number => (n === 0 ? Number.NaN : s[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!);
  return { n, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: n === 0 ? Number.NaN : s[n - 1]!, mean: n === 0 ? Number.NaN : s.reduce((a, b) => a + b, 0) / n };
}

/** "p50 0.123 ms, p99 0.456 ms (n=1000)". */
export function formatStats(st: LatencyStats): string {
  const ms = (x: number): string => (x * 1e3).toFixed(3);
  return `p50 ${ms(st.p50)} ms, p99 ${ms(st.p99)} ms, max ${ms(st.max)} ms (n=${st.n})`;
}
