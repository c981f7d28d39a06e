// Drives a PolicyNode from a periodic timer through the TickScheduler — the live node's path (`oneflow run`: an
// rclnodejs timer, whose calls carry the expected/actual call times) and `oneflow bench --driver timer` (a JS
// setInterval standing in for it), so the bench measures the code the live node runs. Each timer call is one
// wake-up: a tick at the scheduler's slot, or nothing (previous tick still running, no clock yet, not due).
import type { PolicyNode, TickReport } from './api.js';
import type { TickScheduler } from './tickScheduler.js';

export type TimerDriverHooks = {
  /** A wake-up found the previous tick still running (`busyWakes` so far); the tick was not queued. */
  readonly onBusy?: (busyWakes: number, nowNs: bigint) => void;
  /** Before the tick with its slot (e.g. health bookkeeping, simulated sensors). */
  readonly beforeTick?: (slotNs: bigint) => void;
  /** After the tick: its report and how late it started (null when the wake had no schedule to measure against). */
  readonly afterTick?: (report: TickReport, lateNs: bigint | null) => void;
  /** node.tick rejected (it should not: the loop returns outcomes). */
  readonly onError?: (err: unknown) => void;
};

export type TimerDriver = {
  /** Call from the timer; `timer` carries rcl's expected/actual call times where the distro reports them. */
  onTimer(timer?: { readonly expectedNs?: bigint | undefined; readonly actualNs?: bigint | undefined }): void;
  /** Resolves once no tick is in flight (for shutdown). */
  idle(): Promise<void>;
};

export function timerDriver(node: PolicyNode, scheduler: TickScheduler, nowNs: () => bigint, hooks: TimerDriverHooks = {}): TimerDriver {
  let inFlight: Promise<void> | null = null;
  return {
    onTimer(timer) {
      const now = nowNs();
      const wake = scheduler.wake(now, timer);
      if (wake.kind === 'busy') hooks.onBusy?.(scheduler.stats.busyWakes, now);
      if (wake.kind !== 'tick') return;
      hooks.beforeTick?.(wake.slotNs);
      inFlight = node
        .tick(wake.slotNs)
        .then((report) => hooks.afterTick?.(report, wake.lateNs))
        .catch((err: unknown) => hooks.onError?.(err))
        .finally(() => {
          scheduler.done();
          inFlight = null;
        });
    },
    idle: () => inFlight ?? Promise.resolve(),
  };
}
