// A drift-free periodic JS timer that calls back the way an rcl timer does (bench only): call k is due at
// t0 + k·period and reports that expected time and the actual call time, so `oneflow bench --driver timer` wakes
// the live node's timerDriver/TickScheduler path exactly as `oneflow run`'s ROS timer does. Like rcl, calls that
// fall due while the callback's work is still pending are not stacked: the next call is the next due grid point.
export type PeriodicTimer = { cancel(): void };

export function periodicTimer(periodNs: bigint, nowNs: () => bigint, callback: (info: { expectedNs: bigint; actualNs: bigint }) => void): PeriodicTimer {
  let next = nowNs() + periodNs;
  let handle: NodeJS.Timeout | null = null;
  const arm = (): void => {
    const ms = Number((next - nowNs() + 999_999n) / 1_000_000n);
    handle = setTimeout(fire, Math.max(0, ms));
  };
  function fire(): void {
    const now = nowNs();
    if (now < next) return arm(); // timer granularity: not due yet
    const expectedNs = next;
    next += ((now - next) / periodNs + 1n) * periodNs; // the next grid point after now
    callback({ expectedNs, actualNs: now });
    if (handle !== null) arm();
  }
  arm();
  return {
    cancel() {
      if (handle !== null) clearTimeout(handle);
      handle = null;
    },
  };
}
