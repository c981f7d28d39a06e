// Checks the header stamps of every input message as the replay feeds it to the node: out-of-order and duplicate
// stamps, and gaps longer than `gapSec`. Each problem is counted and described with the topic and the time; the
// replay carries on (the node core rejects or tolerates the message itself and the watchdog sees stale input).
import { formatNs } from './errors.js';

export const INPUT_PROBLEM_KINDS = [
  'out_of_order',
  'duplicate_stamp',
  'gap',
  'decode_error',
  'rejected',
  'truncated',
  'skipped_topic',
  'log_time_outlier',
] as const;
export type InputProblemKind = (typeof INPUT_PROBLEM_KINDS)[number];

export interface InputProblem {
  kind: InputProblemKind;
  topic: string;
  timeNs: bigint | null;
  message: string;
}

/** Keeps counts of every kind and the first `maxExamples` problems in full. */
export class ProblemLog {
  readonly counts = new Map<InputProblemKind, number>();
  readonly examples: InputProblem[] = [];
  constructor(
    readonly maxExamples = 20,
    readonly onProblem?: (p: InputProblem) => void,
  ) {}
  add(p: InputProblem): void {
    this.counts.set(p.kind, (this.counts.get(p.kind) ?? 0) + 1);
    if (this.examples.length < this.maxExamples) this.examples.push(p);
    this.onProblem?.(p);
  }
  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
}

export class StampMonitor {
  readonly #lastStamp = new Map<string, bigint>();
  readonly #gapNs: bigint;
  constructor(
    readonly problems: ProblemLog,
    gapSec: number,
  ) {
    this.#gapNs = BigInt(Math.round(gapSec * 1e9));
  }

  /** Record one message's header stamp; returns false when it is out of order or a duplicate. */
  observe(topic: string, stampNs: bigint): boolean {
    const last = this.#lastStamp.get(topic);
    if (last !== undefined) {
      if (stampNs === last) {
        this.problems.add({ kind: 'duplicate_stamp', topic, timeNs: stampNs, message: `${topic}: duplicate header stamp ${formatNs(stampNs)}` });
        return false;
      }
      if (stampNs < last) {
        this.problems.add({
          kind: 'out_of_order',
          topic,
          timeNs: stampNs,
          message: `${topic}: header stamp ${formatNs(stampNs)} is ${formatSec(last - stampNs)} earlier than the previous ${formatNs(last)}`,
        });
        return false;
      }
      if (stampNs - last > this.#gapNs) {
        this.problems.add({
          kind: 'gap',
          topic,
          timeNs: last,
          message: `${topic}: no message for ${formatSec(stampNs - last)} after ${formatNs(last)} (gap limit ${formatSec(this.#gapNs)})`,
        });
      }
    }
    this.#lastStamp.set(topic, stampNs);
    return true;
  }
}

function formatSec(ns: bigint): string {
  return `${(Number(ns) / 1e9).toFixed(3)} s`;
}
