// Replay a rosbag2 bag through the node core on a simulated clock (design.md §4 "bag transport").
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
import { TICK_OUTCOMES } from '../control/tickOutcome.js';
import { SchemaError, timeToNs, type ActionChunk, type JointState } from '../msgs/index.js';
import type { BagMessage, BagReader } from './bagReader.js';
import type { BagWriter } from './bagWriter.js';
import { BagError, formatNs } from './errors.js';
import { ProblemLog, StampMonitor, type InputProblem } from './inputMonitor.js';
import { CommandRmse, summariseLatency, type LatencySummary } from './replayStats.js';
import { dataSpan } from './dataSpan.js';
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

export interface Transition {
  tick: number;
  time_ns: string;
  from: string;
  to: string;
  outcome: string;
  detail: string;
}

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

/** Topics the node needs for this policy: topic → expected message types. */
export function requiredTopics(node: PolicyNode): Map<string, { source: string; types: string[] }> {
  const req = new Map<string, { source: string; types: string[] }>();
  const t = node.config.topics;
  for (const s of new Set(node.spec.stateSources)) {
    if (s === 'joint_states') req.set(t.jointStates, { source: s, types: ['sensor_msgs/msg/JointState'] });
    else req.set(t.objectPose, { source: s, types: ['geometry_msgs/msg/PoseStamped'] });
  }
  if (node.spec.image !== null) {
    req.set(t.camera, { source: 'camera', types: ['sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage'] });
  }
  return req;
}

/** Throws ReplayInputError when the bag lacks a topic the model needs or carries the wrong type on it. */
export function checkTopics(bag: BagReader, node: PolicyNode): void {
  const present = bag.topics.map((t) => `${t.topic} (${t.type}, ${t.messageCount})`).join(', ') || 'none';
  const truncated = bag.problems.filter((p) => p.kind === 'truncated').map((p) => p.message);
  for (const [topic, { source, types }] of requiredTopics(node)) {
    const t = bag.topic(topic);
    if (t === undefined || t.messageCount === 0) {
      throw new ReplayInputError(
        `bag ${bag.path} has no messages on ${topic} (${types.join(' or ')}), which model ${node.spec.name} needs for its ` +
          `'${source}' input; ${truncated.length > 0 ? `the bag is truncated: ${truncated.join('; ')}` : `topics in the bag: ${present}`}`,
      );
    }
    if (!types.includes(t.type)) {
      throw new ReplayInputError(`bag ${bag.path}: topic ${topic} carries ${t.type}, but the '${source}' input needs ${types.join(' or ')}`);
    }
    bag.codecFor(topic); // schema problems surface now, naming the topic
  }
}

async function copyTopics(bag: BagReader, out: BagWriter, node: PolicyNode, problems: ProblemLog): Promise<Set<string>> {
  const copied = new Set<string>();
  for (const t of bag.topics) {
    if (t.messageEncoding !== 'cdr') {
      problems.add({ kind: 'skipped_topic', topic: t.topic, timeNs: null, message: `${t.topic}: message encoding '${t.messageEncoding}' is not cdr; not copied to the output bag` });
      continue;
    }
    await out.addTopic(t.topic, t.type, t.definition !== '' ? { definition: t.definition, schemaEncoding: t.schemaEncoding } : {});
    copied.add(t.topic);
  }
  await out.addTopic(node.config.topics.actionChunk, 'oneflow_msgs/msg/ActionChunk');
  await out.addTopic(node.config.topics.jointTrajectory, 'trajectory_msgs/msg/JointTrajectory');
  return copied;
}

function stampOf(msg: unknown): bigint | null {
  const stamp = (msg as { header?: { stamp?: { sec?: unknown; nanosec?: unknown } } }).header?.stamp;
  if (typeof stamp?.sec !== 'number' || typeof stamp.nanosec !== 'number') return null;
  return timeToNs({ sec: stamp.sec, nanosec: stamp.nanosec });
}

export async function runReplay(opts: ReplayOptions): Promise<ReplaySummary> {
  const wallStart = process.hrtime.bigint();
  const { bag, node, clock } = opts;
  const problems = new ProblemLog(20, opts.onProblem);
  for (const p of bag.problems) {
    problems.add({ kind: p.kind === 'truncated' ? 'truncated' : 'decode_error', topic: p.topic ?? '', timeNs: p.timeNs ?? null, message: p.message });
  }
  checkTopics(bag, node);
  const required = requiredTopics(node);
  // Tick schedule on the bag clock, over the main run of log times only.
  const span = await dataSpan(bag, new Set(required.keys()), BigInt(Math.round((opts.outlierGapSec ?? 60) * 1e9)));
  const firstByTopic = span.firstByTopic;
  for (const topic of required.keys()) {
    if (!firstByTopic.has(topic)) {
      throw new ReplayInputError(
        `bag ${bag.path}: no message on ${topic} within the replayed data (${formatNs(span.startNs)} … ${formatNs(span.endNs)}, ` +
          `the longest run of log times without a ${opts.outlierGapSec ?? 60} s pause)`,
      );
    }
  }
  const windowNs = BigInt(Math.round((node.spec.nObsSteps - 1) * node.spec.obsIntervalSec * 1e9));
  const firstTick = [...firstByTopic.values()].reduce((a, b) => (a > b ? a : b)) + windowNs;
  const period = periodNs(node.config.controlRateHz);
  const nTicks = span.lastInputNs < firstTick ? 0 : Number((span.lastInputNs - firstTick) / period) + 1;
  const tickAt = (i: number): bigint => firstTick + BigInt(i) * period;
  const out = opts.out ?? null;
  const copied = out === null ? new Set<string>() : await copyTopics(bag, out, node, problems);
  const monitor = new StampMonitor(problems, opts.gapSec ?? 2.5 / node.config.controlRateHz);
  const outlier = (m: BagMessage): boolean => {
    if (m.logTimeNs >= span.startNs && m.logTimeNs <= span.endNs) return false;
    const before = m.logTimeNs < span.startNs;
    const byNs = before ? span.startNs - m.logTimeNs : m.logTimeNs - span.endNs;
    problems.add({
      kind: 'log_time_outlier',
      topic: m.topic,
      timeNs: m.logTimeNs,
      message:
        `${m.topic} at ${formatNs(m.logTimeNs)}: log time is ${formatNs(byNs)} ${before ? 'before' : 'after'} the replayed data ` +
        `(${formatNs(span.startNs)} … ${formatNs(span.endNs)}); skipped`,
    });
    return true;
  };

  const perTopic: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  const byOutcome: Record<string, number> = Object.fromEntries(TICK_OUTCOMES.map((o) => [o, 0]));
  const firstNotOk: Record<string, string> = {};
  const transitions: Transition[] = [];
  const transitionCounts: Record<string, number> = {};
  const inferenceSec: number[] = [];
  const tickSec: number[] = [];
  const teleopTopic = opts.teleopTopic ?? TELEOP_TOPIC;
  const teleop = bag.topic(teleopTopic);
  const rmse = teleop === undefined || teleop.type !== 'sensor_msgs/msg/JointState' ? null : new CommandRmse();
  const pendingTeleop: { ns: bigint; msg: JointState }[] = [];
  let chunks = 0;
  let fallbackChunks = 0;
  let trajectories = 0;
  let state: string = node.state;

  const deliver = async (m: BagMessage): Promise<void> => {
    if (outlier(m)) return;
    perTopic[m.topic] = (perTopic[m.topic] ?? 0) + 1;
    if (out !== null && copied.has(m.topic)) await out.writeRaw(m.topic, m.logTimeNs, m.data, m.publishTimeNs);
    const isInput = required.has(m.topic);
    const isTeleop = rmse !== null && m.topic === teleopTopic;
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
      pendingTeleop.push({ ns: m.logTimeNs, msg: msg as JointState });
      if (!isInput) return;
    }
    const stamp = stampOf(msg);
    // A zero stamp means "not set" (the node then uses the receive time, and so do the checks).
    if (stamp !== null) monitor.observe(m.topic, stamp === 0n ? m.logTimeNs : stamp);
    const verdict = node.onMessage(m.topic, m.type, msg, m.logTimeNs);
    if (verdict.kind === 'rejected') {
      const key = `${verdict.source}:${verdict.reason}`;
      rejected[key] = (rejected[key] ?? 0) + 1;
      problems.add({ kind: 'rejected', topic: m.topic, timeNs: m.logTimeNs, message: `${m.topic} at ${formatNs(m.logTimeNs)} rejected by the node (${verdict.reason}): ${verdict.detail}` });
    }
  };

  const it = bag.messages();
  let next = await it.next();
  let interrupted = false;
  let ran = 0;
  for (let i = 0; i < nTicks; i++) {
    if (opts.shouldStop?.() === true) {
      interrupted = true;
      break;
    }
    const t = tickAt(i);
    while (next.done !== true && next.value.logTimeNs <= t) {
      await deliver(next.value);
      next = await it.next();
    }
    clock.advanceTo(t);
    await opts.pacer?.waitUntil(t);
    const t0 = process.hrtime.bigint();
    const report = await node.tick(t);
    ran += 1;
    const tickWallNs = process.hrtime.bigint() - t0;
    tickSec.push(Number(tickWallNs) / 1e9);
    if (report.outcome === 'deadline_miss' && opts.pacer?.rate == null && tickWallNs < period) {
      // As fast as possible only while the node keeps up: after a miss the worker may still be computing, so give
      // it the real control period before the next tick, as a live node would (else every later tick finds it busy).
      await new Promise((resolve) => setTimeout(resolve, Number(period - tickWallNs) / 1e6));
    }
    byOutcome[report.outcome] = (byOutcome[report.outcome] ?? 0) + 1;
    if (report.outcome !== 'ok' && !(report.outcome in firstNotOk)) firstNotOk[report.outcome] = `tick ${report.tick} at ${formatNs(t)}: ${report.detail}`;
    if (report.inferenceSec !== null) inferenceSec.push(report.inferenceSec);
    if (report.state !== state) {
      transitions.push({ tick: report.tick, time_ns: t.toString(), from: state, to: report.state, outcome: report.outcome, detail: report.detail });
      const key = `${state}->${report.state}`;
      transitionCounts[key] = (transitionCounts[key] ?? 0) + 1;
      state = report.state;
    }
    if (report.chunk !== null) {
      chunks += 1;
      if (report.chunk.fallback) fallbackChunks += 1;
      rmse?.onChunk(report.chunk);
      const recorded: ActionChunk = opts.wallTimes === true ? report.chunk : { ...report.chunk, inference_time_sec: 0 };
      if (out !== null) await out.write(node.config.topics.actionChunk, 'oneflow_msgs/msg/ActionChunk', t, recorded);
    }
    if (report.trajectory !== null) {
      trajectories += 1;
      if (out !== null) await out.write(node.config.topics.jointTrajectory, 'trajectory_msgs/msg/JointTrajectory', t, report.trajectory);
    }
    for (const p of pendingTeleop.splice(0)) rmse?.onRecorded(p.ns, p.msg);
    opts.onTick?.(i + 1, nTicks, report);
  }
  if (interrupted) {
    // Stopped early (signal): publish one hold first, as the live node does on stop (src/node/api.ts halt()).
    const h = node.halt(clock.nowNs(), 'replay interrupted');
    if (h.chunk !== null && h.trajectory !== null) {
      chunks += 1;
      fallbackChunks += 1;
      trajectories += 1;
      if (out !== null) {
        await out.write(node.config.topics.actionChunk, 'oneflow_msgs/msg/ActionChunk', clock.nowNs(), h.chunk);
        await out.write(node.config.topics.jointTrajectory, 'trajectory_msgs/msg/JointTrajectory', clock.nowNs(), h.trajectory);
      }
    }
  }
  while (!interrupted && next.done !== true) {
    await deliver(next.value);
    next = await it.next();
  }
  for (const p of pendingTeleop.splice(0)) rmse?.onRecorded(p.ns, p.msg);

  const startNs = bag.topics.length === 0 ? 0n : [...firstByTopic.values()].reduce((a, b) => (a < b ? a : b));
  return {
    bag: bag.path,
    model: { name: node.spec.name, method: node.spec.method, model_id: node.spec.modelId },
    bag_start_ns: startNs.toString(),
    first_tick_ns: nTicks > 0 ? firstTick.toString() : null,
    simulated_sec: ran > 0 ? Number(tickAt(ran - 1) - firstTick) / 1e9 : 0,
    ticks: { total: ran, by_outcome: byOutcome, first_not_ok: firstNotOk },
    published: { chunks, fallback_chunks: fallbackChunks, trajectories },
    latency: { inference: summariseLatency(inferenceSec), tick: summariseLatency(tickSec) },
    watchdog: { final_state: state, transitions, counts: transitionCounts },
    rmse_vs_teleop:
      rmse === null
        ? null
        : { topic: teleopTopic, rmse: rmse.rmse, matched_steps: rmse.nMatched, unmatched_steps: rmse.nUnmatched, units: 'action units (Push-T: px)' },
    input: {
      messages_per_topic: perTopic,
      rejected_by_node: rejected,
      problems: Object.fromEntries(problems.counts),
      problem_examples: problems.examples.map((p) => ({ kind: p.kind, topic: p.topic, time_ns: p.timeNs?.toString() ?? null, message: p.message })),
    },
    output_bag: out === null ? null : out.dir,
    interrupted,
    verdict: null,
    wall_sec: Number(process.hrtime.bigint() - wallStart) / 1e9,
  };
}

