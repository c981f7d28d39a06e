// Watchdog states; the numeric values are those of oneflow_msgs/ActionChunk (RUNNING=0 DEGRADED=1 SAFE=2) and of
// the oneflow_watchdog_state gauge.
export const WATCHDOG_STATES = ['RUNNING', 'DEGRADED', 'SAFE'] as const;
export type WatchdogState = (typeof WATCHDOG_STATES)[number];
export const WATCHDOG_STATE_CODE: Readonly<Record<WatchdogState, number>> = Object.freeze({ RUNNING: 0, DEGRADED: 1, SAFE: 2 });
