// ROS 2 parameters of the policy node → NodeConfig. [adapter: rclnodejs, passed in — never imported here]
//
// One table (ROS_PARAMETERS) declares every parameter with its type, default, range and description; all are
// read-only (the config is validated once and frozen, style.md §2 — change them and restart). Defaults come from
// nodeConfig.ts, so a parameter left out of the YAML means the NodeConfig default. Values reach validateConfig(),
// which stays the one authority on what is valid; its errors are re-labelled with the ROS parameter names.
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { RclModule, RclNode, RclParameter, RclParameterValue, RclRange } from '../transport/rclnodejsApi.js';
import {
  CONFIG_DEFAULTS,
  DEFAULT_TOPICS,
  EXECUTION_MODES,
  LOG_LEVELS,
  type NodeConfig,
  type NodeConfigInput,
  type TopicConfig,
} from './nodeConfig.js';
import { validateConfig } from './validateConfig.js';

export type RosParameterKind = 'double' | 'integer' | 'string' | 'string_array' | 'double_array';
export type RosParameterValue = number | string | readonly string[] | readonly number[];

export type RosParameterSpec = {
  readonly name: string;
  readonly kind: RosParameterKind;
  readonly default: RosParameterValue;
  /** Inclusive [from, to]; validateConfig may be stricter (e.g. control_rate_hz must be > 0). */
  readonly range?: readonly [number, number];
  readonly description: string;
  /** The NodeConfig field it sets (`topics.camera` for nested ones). */
  readonly field: string;
};

const ANY = (values: readonly string[]): string => `one of ${values.join(' | ')}`;

export const ROS_PARAMETERS: readonly RosParameterSpec[] = Object.freeze([
  { name: 'model', kind: 'string', default: '', field: 'modelPath',
    description: 'Path of the ONNX policy (oneflow.policy contract, design.md §2). Required.' },
  { name: 'control_rate_hz', kind: 'double', default: CONFIG_DEFAULTS.controlRateHz, range: [0, 1000], field: 'controlRateHz',
    description: 'Tick rate of the control loop, Hz; (0, 1000].' },
  { name: 'deadline_sec', kind: 'double', default: 0, range: [0, 60], field: 'deadlineSec',
    description: 'Per-tick deadline for a fresh chunk from the scheduled tick time, s; (0, 1/control_rate_hz]. 0 = 0.8 of the period.' },
  { name: 'max_observation_age_sec', kind: 'double', default: CONFIG_DEFAULTS.maxObservationAgeSec, range: [0, 60], field: 'maxObservationAgeSec',
    description: 'An input older than this at tick time makes the tick stale_input, s.' },
  { name: 'action_exec_latency_sec', kind: 'double', default: CONFIG_DEFAULTS.actionExecLatencySec, range: [0, 1], field: 'actionExecLatencySec',
    description: 'Actions due before now + this are dropped from a chunk before publishing, s.' },
  { name: 'camera_topic', kind: 'string', default: DEFAULT_TOPICS.camera, field: 'topics.camera',
    description: 'Camera input (sensor-data QoS): sensor_msgs/Image, or sensor_msgs/CompressedImage if the name ends in /compressed.' },
  { name: 'joint_states_topic', kind: 'string', default: DEFAULT_TOPICS.jointStates, field: 'topics.jointStates',
    description: 'sensor_msgs/JointState input (reliable QoS).' },
  { name: 'object_pose_topic', kind: 'string', default: DEFAULT_TOPICS.objectPose, field: 'topics.objectPose',
    description: 'geometry_msgs/PoseStamped input for state policies (reliable QoS).' },
  { name: 'action_chunk_topic', kind: 'string', default: DEFAULT_TOPICS.actionChunk, field: 'topics.actionChunk',
    description: 'oneflow_msgs/ActionChunk output.' },
  { name: 'joint_trajectory_topic', kind: 'string', default: DEFAULT_TOPICS.jointTrajectory, field: 'topics.jointTrajectory',
    description: 'trajectory_msgs/JointTrajectory output (e.g. /<controller>/joint_trajectory).' },
  { name: 'state_joint_names', kind: 'string_array', default: [], field: 'stateJointNames',
    description: "JointState joints read for the model's joint_states entries, in order; [] = the model's state names." },
  { name: 'action_joint_names', kind: 'string_array', default: [], field: 'actionJointNames',
    description: "Joint names written on the outputs, one per action dimension; [] = the model's action names." },
  { name: 'execution_mode', kind: 'string', default: CONFIG_DEFAULTS.executionMode, field: 'executionMode',
    description: `How chunks are executed: ${ANY(EXECUTION_MODES)}.` },
  { name: 'ensemble_decay', kind: 'double', default: CONFIG_DEFAULTS.ensembleDecay, range: [0, 10], field: 'ensembleDecay',
    description: 'Temporal-ensembling decay m (weights exp(-m·i)); temporal_ensembling only.' },
  { name: 'noise_seed', kind: 'integer', default: CONFIG_DEFAULTS.noiseSeed, range: [0, 0xffffffff], field: 'noiseSeed',
    description: 'Seed of the policy noise generator.' },
  { name: 'recovery_ticks', kind: 'integer', default: CONFIG_DEFAULTS.recoveryTicks, range: [1, 10000], field: 'recoveryTicks',
    description: 'Healthy ticks needed to return to RUNNING from DEGRADED or SAFE.' },
  { name: 'hold_position', kind: 'double_array', default: [], field: 'holdPosition',
    description: 'Position published in SAFE, one per action dimension; [] = the last commanded action.' },
  { name: 'metrics_port', kind: 'integer', default: CONFIG_DEFAULTS.metricsPort, range: [0, 65535], field: 'metricsPort',
    description: 'Port of the Prometheus /metrics, /healthz, /readyz server; 0 = off.' },
  { name: 'log_level', kind: 'string', default: CONFIG_DEFAULTS.logLevel, field: 'logLevel',
    description: `Level of the JSON logs: ${ANY(LOG_LEVELS)}.` },
  { name: 'log_throttle_sec', kind: 'double', default: CONFIG_DEFAULTS.logThrottleSec, range: [0, 3600], field: 'logThrottleSec',
    description: 'Minimum spacing of repeated warnings of one kind, s.' },
  { name: 'intra_op_threads', kind: 'integer', default: CONFIG_DEFAULTS.intraOpThreads, range: [1, 64], field: 'intraOpThreads',
    description: 'onnxruntime intra-op threads.' },
  { name: 'inter_op_threads', kind: 'integer', default: CONFIG_DEFAULTS.interOpThreads, range: [1, 64], field: 'interOpThreads',
    description: 'onnxruntime inter-op threads.' },
  { name: 'warmup_runs', kind: 'integer', default: CONFIG_DEFAULTS.warmupRuns, range: [0, 1000], field: 'warmupRuns',
    description: 'Inference runs before the loop starts.' },
  { name: 'observation_buffer_size', kind: 'integer', default: CONFIG_DEFAULTS.observationBufferSize, range: [2, 4096], field: 'observationBufferSize',
    description: 'Samples kept per input source.' },
] satisfies RosParameterSpec[]);

/** The NodeConfig input for plain parameter values (integers as numbers); parameters not given keep defaults. */
export function nodeConfigInputFromParameters(values: Readonly<Record<string, RosParameterValue>>): NodeConfigInput {
  const input: Record<string, unknown> = {};
  const topics: Partial<Record<keyof TopicConfig, string>> = {};
  for (const spec of ROS_PARAMETERS) {
    if (!(spec.name in values)) continue;
    let value: unknown = values[spec.name];
    // Empty arrays mean "not set" (a ROS parameter cannot be null).
    if ((spec.kind === 'string_array' || spec.kind === 'double_array') && (value as readonly unknown[]).length === 0) value = null;
    if (spec.name === 'deadline_sec' && value === 0) continue; // 0 = derived from the rate
    if (spec.field.startsWith('topics.')) topics[spec.field.slice('topics.'.length) as keyof TopicConfig] = value as string;
    else input[spec.field] = value;
  }
  return { ...(input as NodeConfigInput), topics };
}

/** validateConfig() with problems renamed to the ROS parameters ("control_rate_hz (controlRateHz)"). */
export function nodeConfigFromParameters(values: Readonly<Record<string, RosParameterValue>>): NodeConfig {
  try {
    return validateConfig(nodeConfigInputFromParameters(values));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.problems.map((p) => ({ ...p, field: rosLabel(p.field) })));
  }
}

function rosLabel(field: string): string {
  const spec = ROS_PARAMETERS.find((s) => s.field === field);
  return spec === undefined ? field : `parameter ${spec.name} (${field})`;
}

const KIND_TYPE: Record<RosParameterKind, keyof RclModule['ParameterType']> = {
  double: 'PARAMETER_DOUBLE',
  integer: 'PARAMETER_INTEGER',
  string: 'PARAMETER_STRING',
  string_array: 'PARAMETER_STRING_ARRAY',
  double_array: 'PARAMETER_DOUBLE_ARRAY',
};

/**
 * Declares every parameter on `node` (read-only, with type, range and description), taking `--params-file` /
 * `-p` overrides into account, and returns their values as plain JS (integers as numbers). A YAML integer given
 * for a double (`control_rate_hz: 10`) is accepted; any other type mismatch is a ConfigError naming the
 * parameter, the value and the expected type.
 */
export function declareRosParameters(rcl: RclModule, node: RclNode): Record<string, RosParameterValue> {
  const T = rcl.ParameterType;
  const overrides = new Map<string, RclParameter>(node.getParameterOverrides().map((p) => [p.name, p]));
  const values: Record<string, RosParameterValue> = {};
  const problems: ConfigProblem[] = [];
  for (const spec of ROS_PARAMETERS) {
    const type = T[KIND_TYPE[spec.kind]];
    const override = overrides.get(spec.name);
    let value = spec.default;
    if (override !== undefined) {
      const coerced = coerceOverride(spec, override, T);
      if (coerced === undefined) {
        problems.push({ field: `parameter ${spec.name}`, value: override.value, allowed: `a ${spec.kind.replace('_', ' ')}` });
        continue;
      }
      value = coerced;
    }
    const range = spec.range === undefined ? null : makeRange(rcl, spec);
    const descriptor = new rcl.ParameterDescriptor(spec.name, type, spec.description, true, range);
    if (spec.kind === 'string' && (spec.name === 'execution_mode' || spec.name === 'log_level')) {
      descriptor.additionalConstraints = ANY(spec.name === 'execution_mode' ? EXECUTION_MODES : LOG_LEVELS);
    }
    try {
      // ignoreOverride: the (coerced) override is already in `value`.
      node.declareParameter(new rcl.Parameter(spec.name, type, toRclValue(spec, value)), descriptor, true);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      problems.push({ field: `parameter ${spec.name}`, value, allowed: `${spec.range ? `within [${spec.range.join(', ')}]` : `a ${spec.kind}`} (rclnodejs: ${why})` });
      continue;
    }
    values[spec.name] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

function makeRange(rcl: RclModule, spec: RosParameterSpec): RclRange {
  const [lo, hi] = spec.range!;
  // FloatingPointRange's step defaults to 1 (whole numbers only): 0 makes it continuous.
  return spec.kind === 'integer' ? new rcl.IntegerRange(BigInt(lo), BigInt(hi), 1n) : new rcl.FloatingPointRange(lo, hi, 0);
}

function toRclValue(spec: RosParameterSpec, value: RosParameterValue): RclParameterValue {
  if (spec.kind === 'integer') return BigInt(value as number);
  if (Array.isArray(value)) return [...(value as (string | number)[])] as RclParameterValue;
  return value as RclParameterValue;
}

/** The override's value in our JS shape, or undefined if its type cannot be this parameter's. */
function coerceOverride(spec: RosParameterSpec, p: RclParameter, T: RclModule['ParameterType']): RosParameterValue | undefined {
  const v = p.value;
  switch (spec.kind) {
    case 'double':
      if (p.type === T.PARAMETER_DOUBLE || p.type === T.PARAMETER_INTEGER) return Number(v);
      return undefined;
    case 'integer':
      if (p.type === T.PARAMETER_INTEGER) return Number(v);
      if (p.type === T.PARAMETER_DOUBLE && Number.isInteger(v)) return v as number;
      return undefined;
    case 'string':
      return p.type === T.PARAMETER_STRING ? (v as string) : undefined;
    case 'string_array':
      return p.type === T.PARAMETER_STRING_ARRAY ? [...(v as string[])] : undefined;
    case 'double_array':
      if (p.type === T.PARAMETER_DOUBLE_ARRAY || p.type === T.PARAMETER_INTEGER_ARRAY) return (v as (number | bigint)[]).map(Number);
      return undefined;
  }
}

/** A Markdown table of the parameters (`oneflow run --print-params`; docs/deploy.md). */
export function parameterTable(): string {
  const rows = ROS_PARAMETERS.map((s) => {
    const def = Array.isArray(s.default) ? `[${s.default.join(', ')}]` : s.default === '' ? "''" : String(s.default);
    const range = s.range ? `[${s.range[0]}, ${s.range[1]}]` : '';
    return `| \`${s.name}\` | ${s.kind} | ${def} | ${range} | ${s.description.replaceAll('|', '\\|')} |`;
  });
  return ['| parameter | type | default | range | description |', '|---|---|---|---|---|', ...rows].join('\n');
}
