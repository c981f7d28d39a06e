// Validate once at start-up, freeze, pass down (style.md §5). Every invalid field is reported with its value and the
// allowed range; `checkConfigAgainstPolicy` adds the cross-checks that need the model's contract.
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { PolicySpec } from '../policy/policySpec.js';
import {
  CONFIG_DEFAULTS,
  DEADLINE_FRACTION_OF_PERIOD,
  DEFAULT_TOPICS,
  EXECUTION_MODES,
  LOG_LEVELS,
  type NodeConfig,
  type NodeConfigInput,
  type TopicConfig,
} from './nodeConfig.js';

const TOPIC_RE = /^[~/]?[A-Za-z_][A-Za-z0-9_/~{}]*$/;

class Checker {
  readonly problems: ConfigProblem[] = [];
  fail(field: string, value: unknown, allowed: string): void {
    this.problems.push({ field, value, allowed });
  }
  number(field: string, v: unknown, lo: number, hi: number, { loOpen = false, hiOpen = false } = {}): number {
    const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok) this.fail(field, v, `a number in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`);
    return ok ? (v as number) : lo;
  }
  integer(field: string, v: unknown, lo: number, hi: number): number {
    const ok = typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
    if (!ok) this.fail(field, v, `an integer in [${lo}, ${hi}]`);
    return ok ? (v as number) : lo;
  }
  oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
    const ok = typeof v === 'string' && (allowed as readonly string[]).includes(v);
    if (!ok) this.fail(field, v, `one of ${allowed.join(' | ')}`);
    return ok ? (v as T) : allowed[0]!;
  }
  names(field: string, v: unknown): readonly string[] | null {
    if (v === null) return null;
    const ok = Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0) && new Set(v).size === v.length;
    if (!ok) this.fail(field, v, 'null or a non-empty list of distinct non-empty names');
    return ok ? Object.freeze([...(v as string[])]) : null;
  }
}

/** Builds the frozen NodeConfig from user input (CLI flags, ROS parameters, a test), or throws ConfigError. */
export function validateConfig(input: NodeConfigInput): NodeConfig {
  const c = new Checker();
  const v = { ...CONFIG_DEFAULTS, ...input };
  const modelPath = v.modelPath;
  if (typeof modelPath !== 'string' || modelPath.length === 0) c.fail('modelPath', modelPath, 'a non-empty path to an .onnx file');
  const controlRateHz = c.number('controlRateHz', v.controlRateHz, 0, 1000, { loOpen: true });
  const periodSec = controlRateHz > 0 ? 1 / controlRateHz : 1;
  const deadlineSec = c.number('deadlineSec', input.deadlineSec ?? DEADLINE_FRACTION_OF_PERIOD * periodSec, 0, periodSec, { loOpen: true });
  const maxObservationAgeSec = c.number('maxObservationAgeSec', v.maxObservationAgeSec, 0, 60, { loOpen: true });
  const actionExecLatencySec = c.number('actionExecLatencySec', v.actionExecLatencySec, 0, 1);
  const topics: Record<string, string> = {};
  for (const key of Object.keys(DEFAULT_TOPICS) as (keyof TopicConfig)[]) {
    const t = input.topics?.[key] ?? DEFAULT_TOPICS[key];
    if (typeof t !== 'string' || !TOPIC_RE.test(t)) c.fail(`topics.${key}`, t, 'a ROS topic name such as /joint_states');
    topics[key] = t;
  }
  const stateJointNames = c.names('stateJointNames', v.stateJointNames);
  const actionJointNames = c.names('actionJointNames', v.actionJointNames);
  const executionMode = c.oneOf('executionMode', v.executionMode, EXECUTION_MODES);
  const ensembleDecay = c.number('ensembleDecay', v.ensembleDecay, 0, 10);
  const noiseSeed = c.integer('noiseSeed', v.noiseSeed, 0, 0xffffffff);
  const recoveryTicks = c.integer('recoveryTicks', v.recoveryTicks, 1, 10000);
  let holdPosition: readonly number[] | null = null;
  if (v.holdPosition !== null) {
    const h = v.holdPosition as unknown;
    if (Array.isArray(h) && h.length > 0 && h.every((x) => typeof x === 'number' && Number.isFinite(x))) holdPosition = Object.freeze([...(h as number[])]);
    else c.fail('holdPosition', h, 'null (hold the last commanded action) or a non-empty list of finite numbers');
  }
  const metricsPort = c.integer('metricsPort', v.metricsPort, 0, 65535);
  const logLevel = c.oneOf('logLevel', v.logLevel, LOG_LEVELS);
  const logThrottleSec = c.number('logThrottleSec', v.logThrottleSec, 0, 3600);
  const intraOpThreads = c.integer('intraOpThreads', v.intraOpThreads, 1, 64);
  const interOpThreads = c.integer('interOpThreads', v.interOpThreads, 1, 64);
  const warmupRuns = c.integer('warmupRuns', v.warmupRuns, 0, 1000);
  const observationBufferSize = c.integer('observationBufferSize', v.observationBufferSize, 2, 4096);
  if (c.problems.length > 0) throw new ConfigError(c.problems);
  return Object.freeze({
    modelPath: modelPath as string,
    controlRateHz,
    deadlineSec,
    maxObservationAgeSec,
    actionExecLatencySec,
    topics: Object.freeze(topics as TopicConfig),
    stateJointNames,
    actionJointNames,
    executionMode,
    ensembleDecay,
    noiseSeed,
    recoveryTicks,
    holdPosition,
    metricsPort,
    logLevel,
    logThrottleSec,
    intraOpThreads,
    interOpThreads,
    warmupRuns,
    observationBufferSize,
  });
}

/** Cross-checks between the config and the loaded policy's contract; throws ConfigError naming each mismatch. */
export function checkConfigAgainstPolicy(config: NodeConfig, spec: PolicySpec): void {
  const c = new Checker();
  const Da = spec.actionNames.length;
  const nJoint = spec.stateSources.filter((s) => s === 'joint_states').length;
  if (config.stateJointNames !== null && config.stateJointNames.length !== nJoint) {
    c.fail('stateJointNames', config.stateJointNames, `${nJoint} names (the model's joint_states entries: ${spec.stateNames.filter((_, i) => spec.stateSources[i] === 'joint_states').join(', ')})`);
  }
  if (config.actionJointNames !== null && config.actionJointNames.length !== Da) {
    c.fail('actionJointNames', config.actionJointNames, `${Da} names (the model's action dimensions: ${spec.actionNames.join(', ')})`);
  }
  if (config.holdPosition !== null) {
    if (config.holdPosition.length !== Da) c.fail('holdPosition', config.holdPosition, `${Da} numbers (one per action dimension)`);
    config.holdPosition.forEach((x, i) => {
      const lo = spec.actionLow[i] ?? -Infinity;
      const hi = spec.actionHigh[i] ?? Infinity;
      if (x < lo || x > hi) c.fail(`holdPosition[${i}]`, x, `within the model's action bounds [${lo}, ${hi}]`);
    });
  }
  if (c.problems.length > 0) throw new ConfigError(c.problems);
}
