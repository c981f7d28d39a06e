// Composition of the pure core (observation store, control loop, watchdog) with the ports: policy runtime, sinks,
// metrics, logger, clock. Used unchanged by `oneflow run` (ROS), `oneflow replay` (bag clock) and `oneflow bench`.
// API and semantics: src/node/api.ts.
import { checkConfigAgainstPolicy } from '../config/validateConfig.js';
import { ControlLoop } from '../control/controlLoop.js';
import { toActionChunk, toJointTrajectory } from '../control/chunkMessages.js';
import { ObservationStore, type SourceName } from '../observation/observationStore.js';
import { LogThrottle } from '../telemetry/logThrottle.js';
import { NULL_LOGGER } from '../telemetry/logger.js';
import { NULL_METRICS } from '../telemetry/metrics.js';
import type { CreateNodeOptions, HaltReport, MessageVerdict, PolicyNode, TickReport } from './api.js';

export function createNode(options: CreateNodeOptions): PolicyNode {
  const { config, policy } = options;
  const spec = policy.spec;
  checkConfigAgainstPolicy(config, spec);
  const metrics = options.metrics ?? NULL_METRICS;
  const logger = options.logger ?? NULL_LOGGER;
  const stopwatchNs = options.stopwatchNs ?? (() => process.hrtime.bigint());
  const clock = options.clock;
  const sinks = options.sinks;
  const store = new ObservationStore(spec, {
    stateJointNames: config.stateJointNames,
    bufferSize: config.observationBufferSize,
    maxStampSkewSec: config.maxStampSkewSec,
  });
  const loop = new ControlLoop({
    config,
    spec,
    policy,
    store,
    budgetSec: clock === undefined ? undefined : (nowNs) => config.deadlineSec - Number(clock.nowNs() - nowNs) / 1e9,
  });
  const throttle = new LogThrottle(config.logThrottleSec);
  const topicSource = new Map<string, SourceName>([
    [config.topics.camera, 'camera'],
    [config.topics.jointStates, 'joint_states'],
    [config.topics.objectPose, 'object_pose'],
  ]);
  const actionNames = config.actionJointNames ?? spec.actionNames;
  let seq = 0;
  let lastTickNs: bigint | null = null;
  let everRunning = false;
  let closed = false;
  metrics.setWatchdogState(loop.watchdog.state);

  function onMessage(topic: string, typeName: string, msg: unknown, receiveNs: bigint): MessageVerdict {
    const source = topicSource.get(topic);
    if (source === undefined || !store.sources.includes(source)) return { kind: 'ignored' };
    const rejection = store.accept(source, typeName, msg, receiveNs);
    if (rejection === null) {
      metrics.countMessage(source);
      return { kind: 'accepted', source };
    }
    metrics.countRejected(source, rejection.reason);
    const suppressed = throttle.admit(`reject:${source}:${rejection.reason}`, receiveNs);
    if (suppressed !== null) logger.warn({ topic, source, reason: rejection.reason, detail: rejection.detail, suppressed }, 'message rejected');
    return { kind: 'rejected', source, reason: rejection.reason, detail: rejection.detail };
  }

  async function tick(nowNs: bigint): Promise<TickReport> {
    const t0 = stopwatchNs();
    const r = await loop.tick(nowNs);
    let chunk = null;
    let trajectory = null;
    if (r.published !== null && !closed) {
      const fallback = r.published.kind !== 'fresh';
      chunk = toActionChunk(r.published.chunk, {
        modelId: spec.modelId,
        seq: seq++,
        names: actionNames,
        inferenceSec: r.inferenceSec ?? 0,
        fallback,
        state: r.state,
      });
      trajectory = toJointTrajectory(r.published.chunk, actionNames);
      sinks?.publishChunk(chunk);
      sinks?.publishTrajectory(trajectory);
      metrics.countPublished(fallback);
    }
    if (r.refused !== null) {
      const suppressed = throttle.admit('refused', nowNs);
      if (suppressed !== null) logger.warn({ detail: r.refused, state: r.state, tick: r.tick, suppressed }, 'action withheld: outside the action bounds');
    }
    metrics.observeTick(Number(stopwatchNs() - t0) / 1e9);
    if (r.inferenceSec !== null) metrics.observeInference(r.inferenceSec);
    if (lastTickNs !== null) metrics.observeControlPeriod(Number(nowNs - lastTickNs) / 1e9);
    lastTickNs = nowNs;
    for (const source of store.sources) {
      const age = store.ageSec(source, nowNs);
      if (age !== null) metrics.setObservationAge(source, age);
    }
    metrics.countTick(r.outcome);
    metrics.setWatchdogState(r.state);
    if (r.state === 'RUNNING') everRunning = true;
    if (r.from !== r.state) {
      metrics.countTransition(r.from, r.state);
      const suppressed = throttle.admit(`transition:${r.from}>${r.state}`, nowNs);
      if (suppressed !== null) {
        const fields = { from: r.from, to: r.state, outcome: r.outcome, detail: r.detail, tick: r.tick, healthyTicksNeeded: config.recoveryTicks, suppressed };
        if (r.state === 'RUNNING') logger.info(fields, 'watchdog transition');
        else logger.warn(fields, 'watchdog transition');
      }
    } else if (r.outcome !== 'ok') {
      const suppressed = throttle.admit(`outcome:${r.outcome}`, nowNs);
      if (suppressed !== null) logger.warn({ outcome: r.outcome, detail: r.detail, state: r.state, tick: r.tick, suppressed }, 'tick not ok');
    }
    return {
      tick: r.tick,
      nowNs,
      outcome: r.outcome,
      state: r.state,
      chunk,
      trajectory,
      inferred: r.inferred,
      inferenceSec: r.inferenceSec,
      observationNs: r.observationNs,
      detail: r.detail,
    };
  }

  /** Publishes one hold and stops publishing (ros2_controllers' halt()); every later call publishes nothing. */
  function halt(nowNs: bigint, reason: string): HaltReport {
    if (closed) return { chunk: null, trajectory: null, detail: `already stopped; ${reason}` };
    closed = true;
    const hold = loop.halt(nowNs);
    if (hold === null || typeof hold === 'string') {
      const detail = `stop (${reason}): no hold published: ${hold ?? 'no position known yet'}`;
      logger.warn({ reason, detail }, 'stopping without a hold');
      return { chunk: null, trajectory: null, detail };
    }
    const chunk = toActionChunk(hold, { modelId: spec.modelId, seq: seq++, names: actionNames, inferenceSec: 0, fallback: true, state: loop.watchdog.state });
    const trajectory = toJointTrajectory(hold, actionNames);
    sinks?.publishChunk(chunk);
    sinks?.publishTrajectory(trajectory);
    metrics.countPublished(true);
    logger.info({ reason, hold: [...hold.data] }, 'stopped: published one hold');
    return { chunk, trajectory, detail: `stop (${reason}): hold published` };
  }

  return {
    config,
    spec,
    get state() {
      return loop.watchdog.state;
    },
    get ready() {
      return everRunning && loop.watchdog.state !== 'SAFE';
    },
    onMessage,
    tick,
    halt,
    async close() {
      halt(clock?.nowNs() ?? lastTickNs ?? 0n, 'close');
      await policy.close();
    },
  };
}
