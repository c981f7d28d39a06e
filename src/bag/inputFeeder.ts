// Feeding a bag's messages to the node during a replay: skip log-time outliers, copy to the output bag, decode the
// inputs (and the recorded teleop commands), check their header stamps, hand them to the node, count what it refused.
import type { JointState } from '../msgs/index.js';
import { SchemaError } from '../msgs/index.js';
import type { PolicyNode } from '../node/api.js';
import { stampNs } from '../observation/rejection.js';
import type { BagMessage, BagReader } from './bagReader.js';
import type { BagWriter } from './bagWriter.js';
import type { DataSpan } from './dataSpan.js';
import { formatNs } from './errors.js';
import { StampMonitor, type ProblemLog } from './inputMonitor.js';

export interface InputFeederOptions {
  bag: BagReader;
  node: PolicyNode;
  out: BagWriter | null;
  /** Topics copied to the output bag. */
  copied: ReadonlySet<string>;
  /** Topics the node takes as inputs. */
  inputs: ReadonlySet<string>;
  span: Pick<DataSpan, 'startNs' | 'endNs'>;
  problems: ProblemLog;
  gapSec: number;
  /** The recorded demonstrator command topic, decoded and held for the RMSE; null when not compared. */
  teleopTopic: string | null;
}

export class InputFeeder {
  readonly perTopic: Record<string, number> = {};
  readonly rejected: Record<string, number> = {};
  /** Teleop commands decoded since the last take(). */
  readonly #teleop: { ns: bigint; msg: JointState }[] = [];
  readonly #monitor: StampMonitor;

  constructor(private readonly o: InputFeederOptions) {
    this.#monitor = new StampMonitor(o.problems, o.gapSec);
  }

  /** The teleop commands decoded since the last call. */
  takeTeleop(): { ns: bigint; msg: JointState }[] {
    return this.#teleop.splice(0);
  }

  #outlier(m: BagMessage): boolean {
    const { startNs, endNs } = this.o.span;
    if (m.logTimeNs >= startNs && m.logTimeNs <= endNs) return false;
    const before = m.logTimeNs < startNs;
    const byNs = before ? startNs - m.logTimeNs : m.logTimeNs - endNs;
    this.o.problems.add({
      kind: 'log_time_outlier',
      topic: m.topic,
      timeNs: m.logTimeNs,
      message:
        `${m.topic} at ${formatNs(m.logTimeNs)}: log time is ${formatNs(byNs)} ${before ? 'before' : 'after'} the replayed data ` +
        `(${formatNs(startNs)} … ${formatNs(endNs)}); skipped`,
    });
    return true;
  }

  async deliver(m: BagMessage): Promise<void> {
    const { bag, node, out, problems } = this.o;
    if (this.#outlier(m)) return;
    this.perTopic[m.topic] = (this.perTopic[m.topic] ?? 0) + 1;
    if (out !== null && this.o.copied.has(m.topic)) await out.writeRaw(m.topic, m.logTimeNs, m.data, m.publishTimeNs);
    const isInput = this.o.inputs.has(m.topic);
    const isTeleop = m.topic === this.o.teleopTopic;
    if (!isInput && !isTeleop) return;
    let msg: unknown;
    try {
      msg = bag.codecFor(m.topic).decode(m.data);
    } catch (err) {
      const why = err instanceof SchemaError ? err.message : String(err);
      problems.add({ kind: 'decode_error', topic: m.topic, timeNs: m.logTimeNs, message: `${m.topic} at ${formatNs(m.logTimeNs)}: ${why}` });
      return;
    }
    if (isTeleop) {
      this.#teleop.push({ ns: m.logTimeNs, msg: msg as JointState });
      if (!isInput) return;
    }
    // The node's own stamp reader: a zero stamp means "not set", the receive (log) time stands in, as in the node.
    const stamp = stampNs(msg, m.logTimeNs);
    if (stamp !== null) this.#monitor.observe(m.topic, stamp);
    const verdict = node.onMessage(m.topic, m.type, msg, m.logTimeNs);
    if (verdict.kind === 'rejected') {
      const key = `${verdict.source}:${verdict.reason}`;
      this.rejected[key] = (this.rejected[key] ?? 0) + 1;
      problems.add({
        kind: 'rejected',
        topic: m.topic,
        timeNs: m.logTimeNs,
        message: `${m.topic} at ${formatNs(m.logTimeNs)} rejected by the node (${verdict.reason}): ${verdict.detail}`,
      });
    }
  }
}
