// The one table of the node's configuration (issue 19 item 1). Each row is a NodeConfig field with its type, unit,
// range, default, description and ROS parameter name; validateConfig(), the ROS parameter descriptors
// (rosParams.ts), `oneflow run --print-params`, `oneflow replay --param` and the docs table (docs/config.md) are all
// built from it, so none of them can disagree with another. [pure]
import { EXECUTION_MODES, LOG_LEVELS, type NodeConfig, type TopicConfig } from './nodeConfig.js';

/** The value's type, named as ROS 2 names parameter types. */
export type FieldKind = 'double' | 'integer' | 'string' | 'string_array' | 'double_array';

/** The shape a string or array value must have beyond its kind. */
export type FieldFormat = 'path' | 'topic' | 'names' | 'finite_numbers';

/** A numeric interval. `hi: 'period'` is the tick period 1/control_rate_hz (resolved once the rate is valid). */
export type FieldRange = {
  readonly lo: number;
  readonly hi: number | 'period';
  readonly loOpen?: boolean;
  readonly hiOpen?: boolean;
};

/** A NodeConfig path: a top-level field or `topics.<name>`. */
export type ConfigKey = Exclude<keyof NodeConfig, 'topics'> | `topics.${keyof TopicConfig}`;

export type ConfigField = {
  /** NodeConfig field (`topics.camera` for nested ones); also accepted by `--param`. */
  readonly key: ConfigKey;
  /** ROS parameter name; the name `--print-params` prints and `--param` accepts. */
  readonly param: string;
  readonly kind: FieldKind;
  /** Unit of the value ('' for plain counts and names). */
  readonly unit: string;
  readonly range?: FieldRange;
  /** Allowed values of a string field. */
  readonly oneOf?: readonly string[];
  readonly format?: FieldFormat;
  /** NodeConfig default; null where the value is required, derived or "use the model's". */
  readonly default: NodeConfig[keyof NodeConfig] | string | null;
  /** What a null default means ('required' makes the field mandatory). */
  readonly whenUnset?: string;
  readonly description: string;
};

/** Deadline default: this fraction of the tick period. */
export const DEADLINE_FRACTION_OF_PERIOD = 0.8;

const TOPIC = { kind: 'string', unit: '', format: 'topic' } as const;
const NAMES = { kind: 'string_array', unit: '', format: 'names', default: null } as const;

export const CONFIG_FIELDS: readonly ConfigField[] = Object.freeze([
  {
    key: 'modelPath',
    param: 'model',
    kind: 'string',
    unit: '',
    format: 'path',
    default: null,
    whenUnset: 'required',
    description: 'Path of the ONNX policy (oneflow.policy contract, docs/contract.md).',
  },
  {
    key: 'controlRateHz',
    param: 'control_rate_hz',
    kind: 'double',
    unit: 'Hz',
    range: { lo: 0, hi: 1000, loOpen: true },
    default: 10,
    description: 'Tick rate of the control loop.',
  },
  {
    key: 'deadlineSec',
    param: 'deadline_sec',
    kind: 'double',
    unit: 's',
    range: { lo: 0, hi: 'period', loOpen: true },
    default: null,
    whenUnset: `${DEADLINE_FRACTION_OF_PERIOD} of the tick period`,
    description: 'Per-tick deadline for a fresh chunk, from the scheduled tick time.',
  },
  {
    key: 'maxObservationAgeSec',
    param: 'max_observation_age_sec',
    kind: 'double',
    unit: 's',
    range: { lo: 0, hi: 60, loOpen: true },
    default: 0.5,
    description: 'An input older than this at tick time makes the tick stale_input.',
  },
  {
    key: 'maxStampSkewSec',
    param: 'max_stamp_skew_sec',
    kind: 'double',
    unit: 's',
    range: { lo: 0, hi: 3600, loOpen: true },
    default: 1,
    description: 'A message whose header stamp is further than this from the clock it arrives at (ahead or behind) is refused (bad_stamp).',
  },
  {
    key: 'actionExecLatencySec',
    param: 'action_exec_latency_sec',
    kind: 'double',
    unit: 's',
    range: { lo: 0, hi: 1 },
    default: 0,
    description: 'Actions due before now + this are dropped from a chunk before publishing (0 = only past steps).',
  },
  {
    key: 'topics.camera',
    param: 'camera_topic',
    ...TOPIC,
    default: '/camera/image_raw',
    description: 'Camera input (sensor-data QoS): sensor_msgs/Image, or sensor_msgs/CompressedImage if the name ends in /compressed.',
  },
  { key: 'topics.jointStates', param: 'joint_states_topic', ...TOPIC, default: '/joint_states', description: 'sensor_msgs/JointState input (reliable QoS).' },
  {
    key: 'topics.objectPose',
    param: 'object_pose_topic',
    ...TOPIC,
    default: '/object_pose',
    description: 'geometry_msgs/PoseStamped input for state policies (reliable QoS).',
  },
  { key: 'topics.actionChunk', param: 'action_chunk_topic', ...TOPIC, default: '/oneflow/action_chunk', description: 'oneflow_msgs/ActionChunk output.' },
  {
    key: 'topics.jointTrajectory',
    param: 'joint_trajectory_topic',
    ...TOPIC,
    default: '/oneflow/joint_trajectory',
    description: 'trajectory_msgs/JointTrajectory output (e.g. /<controller>/joint_trajectory).',
  },
  {
    key: 'stateJointNames',
    param: 'state_joint_names',
    ...NAMES,
    whenUnset: "the model's state names",
    description: "JointState joints read for the model's joint_states entries, in order.",
  },
  {
    key: 'actionJointNames',
    param: 'action_joint_names',
    ...NAMES,
    whenUnset: "the model's action names",
    description: 'Joint names written on the outputs, one per action dimension.',
  },
  {
    key: 'executionMode',
    param: 'execution_mode',
    kind: 'string',
    unit: '',
    oneOf: EXECUTION_MODES,
    default: 'receding_horizon',
    description: 'How chunks are executed (docs/node.md).',
  },
  {
    key: 'ensembleDecay',
    param: 'ensemble_decay',
    kind: 'double',
    unit: '',
    range: { lo: 0, hi: 10 },
    default: 0.01,
    description: 'Temporal-ensembling decay m (weights exp(-m·i)); temporal_ensembling only.',
  },
  {
    key: 'noiseSeed',
    param: 'noise_seed',
    kind: 'integer',
    unit: '',
    range: { lo: 0, hi: 0xffffffff },
    default: 0,
    description: 'Seed of the counter-based policy noise generator.',
  },
  {
    key: 'recoveryTicks',
    param: 'recovery_ticks',
    kind: 'integer',
    unit: 'ticks',
    range: { lo: 1, hi: 10000 },
    default: 3,
    description: 'Consecutive healthy ticks needed to return to RUNNING from DEGRADED or SAFE.',
  },
  {
    key: 'holdPosition',
    param: 'hold_position',
    kind: 'double_array',
    unit: '',
    format: 'finite_numbers',
    default: null,
    whenUnset: 'the last commanded action, else the measured state',
    description: 'Position published in SAFE, one per action dimension, within the action bounds.',
  },
  {
    key: 'metricsPort',
    param: 'metrics_port',
    kind: 'integer',
    unit: '',
    range: { lo: 0, hi: 65535 },
    default: 9464,
    description: "Port of the Prometheus /metrics, /healthz, /readyz server; 0 = off (9100 is node_exporter's).",
  },
  { key: 'logLevel', param: 'log_level', kind: 'string', unit: '', oneOf: LOG_LEVELS, default: 'info', description: 'Level of the JSON logs.' },
  {
    key: 'logThrottleSec',
    param: 'log_throttle_sec',
    kind: 'double',
    unit: 's',
    range: { lo: 0, hi: 3600 },
    default: 1,
    description: 'Minimum spacing of repeated warnings of one kind (0 = log every one).',
  },
  {
    key: 'intraOpThreads',
    param: 'intra_op_threads',
    kind: 'integer',
    unit: 'threads',
    range: { lo: 1, hi: 64 },
    default: 1,
    description: 'onnxruntime intra-op threads (pinned).',
  },
  {
    key: 'interOpThreads',
    param: 'inter_op_threads',
    kind: 'integer',
    unit: 'threads',
    range: { lo: 1, hi: 64 },
    default: 1,
    description: 'onnxruntime inter-op threads (pinned).',
  },
  {
    key: 'warmupRuns',
    param: 'warmup_runs',
    kind: 'integer',
    unit: 'runs',
    range: { lo: 0, hi: 1000 },
    default: 5,
    description: 'Inference runs before the loop starts.',
  },
  {
    key: 'observationBufferSize',
    param: 'observation_buffer_size',
    kind: 'integer',
    unit: 'samples',
    range: { lo: 2, hi: 4096 },
    default: 32,
    description: 'Samples kept per input source.',
  },
] satisfies ConfigField[]);

/** "(0, 1000]", "[0, 1/control_rate_hz]": the range as the docs and the error messages write it. */
export function formatRange(r: FieldRange, periodSec?: number): string {
  const hi = r.hi === 'period' ? (periodSec ?? '1/control_rate_hz') : r.hi;
  return `${r.loOpen === true ? '(' : '['}${r.lo}, ${hi}${r.hiOpen === true ? ')' : ']'}`;
}

/** The field for a key as a user may write it: the ROS name (`control_rate_hz`) or the NodeConfig path. */
export function fieldByName(name: string): ConfigField | undefined {
  return CONFIG_FIELDS.find((f) => f.param === name || f.key === name);
}
