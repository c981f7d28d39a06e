// What a replay counts per tick: outcomes, the first tick of each non-ok outcome, watchdog transitions, latencies and
// published messages — the `ticks`, `published`, `latency` and `watchdog` parts of the replay summary.
import { TICK_OUTCOMES } from '../control/tickOutcome.js';
import type { TickReport } from '../node/api.js';
import { formatNs } from './errors.js';
import { summariseLatency, type LatencySummary } from './replayStats.js';

export interface Transition {
  tick: number;
  time_ns: string;
  from: string;
  to: string;
  outcome: string;
  detail: string;
}

export class TickTally {
  readonly byOutcome: Record<string, number> = Object.fromEntries(TICK_OUTCOMES.map((o) => [o, 0]));
  readonly firstNotOk: Record<string, string> = {};
  readonly transitions: Transition[] = [];
  readonly transitionCounts: Record<string, number> = {};
  readonly #inferenceSec: number[] = [];
  readonly #tickSec: number[] = [];
  chunks = 0;
  fallbackChunks = 0;
  trajectories = 0;
  ran = 0;

  constructor(public state: string) {}

  /** One tick at bag time `t` that took `tickWallNs` of wall time. */
  onTick(report: TickReport, t: bigint, tickWallNs: bigint): void {
    this.ran += 1;
    this.#tickSec.push(Number(tickWallNs) / 1e9);
    this.byOutcome[report.outcome] = (this.byOutcome[report.outcome] ?? 0) + 1;
    if (report.outcome !== 'ok' && !(report.outcome in this.firstNotOk)) {
      this.firstNotOk[report.outcome] = `tick ${report.tick} at ${formatNs(t)}: ${report.detail}`;
    }
    if (report.inferenceSec !== null) this.#inferenceSec.push(report.inferenceSec);
    if (report.state !== this.state) {
      this.transitions.push({ tick: report.tick, time_ns: t.toString(), from: this.state, to: report.state, outcome: report.outcome, detail: report.detail });
      const key = `${this.state}->${report.state}`;
      this.transitionCounts[key] = (this.transitionCounts[key] ?? 0) + 1;
      this.state = report.state;
    }
    if (report.chunk !== null) {
      this.chunks += 1;
      if (report.chunk.fallback) this.fallbackChunks += 1;
    }
    if (report.trajectory !== null) this.trajectories += 1;
  }

  /** The one hold published when the replay is stopped early. */
  onHalt(): void {
    this.chunks += 1;
    this.fallbackChunks += 1;
    this.trajectories += 1;
  }

  latency(): { inference: LatencySummary; tick: LatencySummary } {
    return { inference: summariseLatency(this.#inferenceSec), tick: summariseLatency(this.#tickSec) };
  }
}
