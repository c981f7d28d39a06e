// Replay a rosbag2 bag through the node core on a simulated clock (docs/replay.md).
//
//   bag messages (log-time order) ──► [stamp checks] ──► node.onMessage(topic, type, decoded, logTime)
//   tick grid t0, t0+dt, … on the bag clock ──► node.tick(t) ──► ActionChunk + JointTrajectory
//   everything (inputs copied raw, outputs at log time t) ──► output bag
//
// Messages with log time ≤ t are delivered before tick t. Ticks start once every required source can fill the
// To-frame window (first message + (To−1)·obs interval) and stop at the last input message. The grid is bounded by
// the data: log times split into runs wherever nothing was logged for `outlierGapSec` (default 60 s), the run with
// the most messages is replayed, and every message outside it (one JointState logged a year late, or at t≈0) is
// skipped — neither delivered nor copied — and counted as `log_time_outlier` with its topic and time. The output bag is a
// pure function of (input bag, model, seed) as long as no deadline is missed (after a miss the replay waits out the
// real control period, so a slow model is judged on real time): the simulated clock does not advance during inference, so the
// ActionChunk `inference_time_sec` written there is 0 unless `wallTimes` asks for the measured value — measured
// latencies go to the summary.
import type { PolicyNode, TickReport } from '../node/api.js';
import type { ActionChunk } from '../msgs/index.js';
import { acceptedTypes, inputsFor } from '../observation/inputs.js';
import type { BagReader } from './bagReader.js';
import type { BagWriter } from './bagWriter.js';
import { dataSpan, type DataSpan } from './dataSpan.js';
import { BagError, formatNs } from './errors.js';
import { InputFeeder } from './inputFeeder.js';
import { ProblemLog, type InputProblem } from './inputMonitor.js';
import { CommandRmse, type LatencySummary } from './replayStats.js';
import { TickTally, type Transition } from './tickTally.js';
import { Pacer, SimClock, periodNs } from './simClock.js';

export const TELEOP_TOPIC = '/teleop/action';

/** Why a bag cannot be replayed with this model at all (exit code 2). */
export class ReplayInputError extends BagError {
  override name = 'ReplayInputError';
}

export interface ReplayOptions {
  bag: BagReader;
  node: PolicyNode;
  clock: SimClock;
  pacer?: Pacer;
  out?: BagWriter | null;
  /** A header-stamp step longer than this on an input topic is reported as a gap, s. */
  gapSec?: number;
  /** Log times further than this from the rest of the bag are outliers (skipped, counted), s; default 60. */
  outlierGapSec?: number;
  /** Keep the measured inference time in the output bag (the bag is then no longer bit-identical run to run). */
  wallTimes?: boolean;
  /** Recorded demonstrator commands (sensor_msgs/JointState, positions by action name); default /teleop/action. */
  teleopTopic?: string;
  onProblem?: (p: InputProblem) => void;
  onTick?: (done: number, total: number, report: TickReport) => void;
  /** Polled before each tick; true ends the replay early (Ctrl-C), the summary says so. */
  shouldStop?: () => boolean;
}

export type { Transition } from './tickTally.js';

export interface ReplaySummary {
  bag: string;
  model: { name: string; method: string; model_id: string };
  bag_start_ns: string;
  first_tick_ns: string | null;
  simulated_sec: number;
  /** first_not_ok: for each outcome other than ok, the first tick that had it, with the node's detail. */
  ticks: { total: number; by_outcome: Record<string, number>; first_not_ok: Record<string, string> };
  published: { chunks: number; fallback_chunks: number; trajectories: number };
  latency: { inference: LatencySummary; tick: LatencySummary };
  watchdog: { final_state: string; transitions: Transition[]; counts: Record<string, number> };
  rmse_vs_teleop: { topic: string; rmse: number | null; matched_steps: number; unmatched_steps: number; units: string } | null;
  input: {
    messages_per_topic: Record<string, number>;
    rejected_by_node: Record<string, number>;
    problems: Record<string, number>;
    problem_examples: { kind: string; topic: string; time_ns: string | null; message: string }[];
  };
  output_bag: string | null;
  /** True when the replay was stopped before its last tick (the output bag is still complete and closed). */
  interrupted: boolean;
  /** Set (by the CLI) when every tick missed its deadline: how late inference is and what to change; else null. */
  verdict: string | null;
  wall_sec: number;
}

/** Throws ReplayInputError when the bag lacks a topic the model needs or carries the wrong type on it. */
export function checkTopics(bag: BagReader, node: PolicyNode): void {
  const present = bag.topics.map((t) => `${t.topic} (${t.type}, ${t.messageCount})`).join(', ') || 'none';
  const truncated = bag.problems.filter((p) => p.kind === 'truncated').map((p) => p.message);
  for (const input of inputsFor(node.config, node.spec)) {
    const { topic, source } = input;
    const types = acceptedTypes(input);
    const t = bag.topic(topic);
    if (t === undefined || t.messageCount === 0) {
      throw new ReplayInputError(
        `bag ${bag.path} has no messages on ${topic} (${types.join(' or ')}), which model ${node.spec.name} needs for its ` +
          `'${source}' input; ${truncated.length > 0 ? `the bag is truncated: ${truncated.join('; ')}` : `topics in the bag: ${present}`}`,
      );
    }
    if (!(types as readonly string[]).includes(t.type)) {
      throw new ReplayInputError(`bag ${bag.path}: topic ${topic} carries ${t.type}, but the '${source}' input needs ${types.join(' or ')}`);
    }
    bag.codecFor(topic); // schema problems surface now, naming the topic
  }
}

async function copyTopics(bag: BagReader, out: BagWriter, node: PolicyNode, problems: ProblemLog): Promise<Set<string>> {
  const copied = new Set<string>();
  for (const t of bag.topics) {
    if (t.messageEncoding !== 'cdr') {
      problems.add({
        kind: 'skipped_topic',
        topic: t.topic,
        timeNs: null,
        message: `${t.topic}: message encoding '${t.messageEncoding}' is not cdr; not copied to the output bag`,
      });
      continue;
    }
    await out.addTopic(t.topic, t.type, t.definition !== '' ? { definition: t.definition, schemaEncoding: t.schemaEncoding } : {});
    copied.add(t.topic);
  }
  await out.addTopic(node.config.topics.actionChunk, 'oneflow_msgs/msg/ActionChunk');
  await out.addTopic(node.config.topics.jointTrajectory, 'trajectory_msgs/msg/JointTrajectory');
  return copied;
}

/** The tick grid on the bag clock: from when every input can fill the To window to the last input message. */
function tickGrid(node: PolicyNode, span: DataSpan): { firstTick: bigint; period: bigint; nTicks: number; tickAt: (i: number) => bigint } {
  const windowNs = BigInt(Math.round((node.spec.nObsSteps - 1) * node.spec.obsIntervalSec * 1e9));
  const firstTick = [...span.firstByTopic.values()].reduce((a, b) => (a > b ? a : b)) + windowNs;
  const period = periodNs(node.config.controlRateHz);
  const nTicks = span.lastInputNs < firstTick ? 0 : Number((span.lastInputNs - firstTick) / period) + 1;
  return { firstTick, period, nTicks, tickAt: (i) => firstTick + BigInt(i) * period };
}

/** The replayed span of log times; throws ReplayInputError when an input has no message inside it. */
async function replayedSpan(bag: BagReader, inputs: ReadonlySet<string>, outlierGapSec: number): Promise<DataSpan> {
  const span = await dataSpan(bag, inputs, BigInt(Math.round(outlierGapSec * 1e9)));
  for (const topic of inputs) {
    if (!span.firstByTopic.has(topic)) {
      throw new ReplayInputError(
        `bag ${bag.path}: no message on ${topic} within the replayed data (${formatNs(span.startNs)} … ${formatNs(span.endNs)}, ` +
          `the longest run of log times without a ${outlierGapSec} s pause)`,
      );
    }
  }
  return span;
}

/** Publish (into the output bag) what one tick produced. */
async function record(out: BagWriter | null, node: PolicyNode, t: bigint, report: Pick<TickReport, 'chunk' | 'trajectory'>, wallTimes: boolean): Promise<void> {
  if (out === null) return;
  if (report.chunk !== null) {
    const chunk: ActionChunk = wallTimes ? report.chunk : { ...report.chunk, inference_time_sec: 0 };
    await out.write(node.config.topics.actionChunk, 'oneflow_msgs/msg/ActionChunk', t, chunk);
  }
  if (report.trajectory !== null) await out.write(node.config.topics.jointTrajectory, 'trajectory_msgs/msg/JointTrajectory', t, report.trajectory);
}

export async function runReplay(opts: ReplayOptions): Promise<ReplaySummary> {
  const wallStart = process.hrtime.bigint();
  const { bag, node, clock } = opts;
  const problems = new ProblemLog(20, opts.onProblem);
  for (const p of bag.problems) {
    problems.add({ kind: p.kind === 'truncated' ? 'truncated' : 'decode_error', topic: p.topic ?? '', timeNs: p.timeNs ?? null, message: p.message });
  }
  checkTopics(bag, node);
  const inputs = new Set(inputsFor(node.config, node.spec).map((i) => i.topic));
  const span = await replayedSpan(bag, inputs, opts.outlierGapSec ?? 60);
  const { firstTick, period, nTicks, tickAt } = tickGrid(node, span);
  const out = opts.out ?? null;
  const teleopTopic = opts.teleopTopic ?? TELEOP_TOPIC;
  const rmse = bag.topic(teleopTopic)?.type === 'sensor_msgs/msg/JointState' ? new CommandRmse() : null;
  const feeder = new InputFeeder({
    bag,
    node,
    out,
    inputs,
    span,
    problems,
    copied: out === null ? new Set<string>() : await copyTopics(bag, out, node, problems),
    gapSec: opts.gapSec ?? 2.5 / node.config.controlRateHz,
    teleopTopic: rmse === null ? null : teleopTopic,
  });
  const tally = new TickTally(node.state);
  const it = bag.messages();
  let next = await it.next();
  let interrupted = false;
  for (let i = 0; i < nTicks; i++) {
    if (opts.shouldStop?.() === true) {
      interrupted = true;
      break;
    }
    const t = tickAt(i);
    for (; next.done !== true && next.value.logTimeNs <= t; next = await it.next()) await feeder.deliver(next.value);
    clock.advanceTo(t);
    await opts.pacer?.waitUntil(t);
    const t0 = process.hrtime.bigint();
    const report = await node.tick(t);
    const tickWallNs = process.hrtime.bigint() - t0;
    if (report.outcome === 'deadline_miss' && opts.pacer?.rate == null && tickWallNs < period) {
      // As fast as possible only while the node keeps up: after a miss the worker may still be computing, so give
      // it the real control period before the next tick, as a live node would (else every later tick finds it busy).
      await new Promise((resolve) => setTimeout(resolve, Number(period - tickWallNs) / 1e6));
    }
    tally.onTick(report, t, tickWallNs);
    if (report.chunk !== null) rmse?.onChunk(report.chunk);
    await record(out, node, t, report, opts.wallTimes === true);
    for (const p of feeder.takeTeleop()) rmse?.onRecorded(p.ns, p.msg);
    opts.onTick?.(i + 1, nTicks, report);
  }
  if (interrupted) {
    // Stopped early (signal): publish one hold first, as the live node does on stop (src/node/api.ts halt()).
    const h = node.halt(clock.nowNs(), 'replay interrupted');
    if (h.chunk !== null && h.trajectory !== null) {
      tally.onHalt();
      await record(out, node, clock.nowNs(), h, true);
    }
  }
  for (; !interrupted && next.done !== true; next = await it.next()) await feeder.deliver(next.value);
  for (const p of feeder.takeTeleop()) rmse?.onRecorded(p.ns, p.msg);

  const startNs = bag.topics.length === 0 ? 0n : [...span.firstByTopic.values()].reduce((a, b) => (a < b ? a : b));
  return {
    bag: bag.path,
    model: { name: node.spec.name, method: node.spec.method, model_id: node.spec.modelId },
    bag_start_ns: startNs.toString(),
    first_tick_ns: nTicks > 0 ? firstTick.toString() : null,
    simulated_sec: tally.ran > 0 ? Number(tickAt(tally.ran - 1) - firstTick) / 1e9 : 0,
    ticks: { total: tally.ran, by_outcome: tally.byOutcome, first_not_ok: tally.firstNotOk },
    published: { chunks: tally.chunks, fallback_chunks: tally.fallbackChunks, trajectories: tally.trajectories },
    latency: tally.latency(),
    watchdog: { final_state: tally.state, transitions: tally.transitions, counts: tally.transitionCounts },
    rmse_vs_teleop:
      rmse === null
        ? null
        : { topic: teleopTopic, rmse: rmse.rmse, matched_steps: rmse.nMatched, unmatched_steps: rmse.nUnmatched, units: 'action units (Push-T: px)' },
    input: {
      messages_per_topic: feeder.perTopic,
      rejected_by_node: feeder.rejected,
      problems: Object.fromEntries(problems.counts),
      problem_examples: problems.examples.map((p) => ({ kind: p.kind, topic: p.topic, time_ns: p.timeNs?.toString() ?? null, message: p.message })),
    },
    output_bag: out === null ? null : out.dir,
    interrupted,
    verdict: null,
    wall_sec: Number(process.hrtime.bigint() - wallStart) / 1e9,
  };
}
