// The node's one typed configuration (style.md §5). Units are in the names; times are seconds here and become
// bigint nanoseconds inside the core. `validateConfig()` builds the frozen value from the field table in
// configFields.ts; nothing else reads parameters.

export const EXECUTION_MODES = ['receding_horizon', 'dp', 'temporal_ensembling'] as const;
/**
 * - `receding_horizon`: infer every tick and publish the fresh chunk (what a one-step policy makes affordable);
 * - `dp`: infer every `n_action_steps` ticks and publish that window only (Diffusion Policy's real-robot loop);
 * - `temporal_ensembling`: infer every tick and publish, per future step, an exponentially weighted average of every
 *   stored chunk that covers that step (ACT; weight exp(-ensembleDecay·i), i = 0 for the oldest chunk).
 */
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type TopicConfig = {
  /** sensor_msgs/Image or sensor_msgs/CompressedImage feeding the `camera` source. */
  readonly camera: string;
  /** sensor_msgs/JointState feeding the `joint_states` source. */
  readonly jointStates: string;
  /** geometry_msgs/PoseStamped feeding the `object_pose` source. */
  readonly objectPose: string;
  /** oneflow_msgs/ActionChunk output. */
  readonly actionChunk: string;
  /** trajectory_msgs/JointTrajectory output. */
  readonly jointTrajectory: string;
};

export type NodeConfig = {
  /** Path of the ONNX policy (contract: docs/contract.md). */
  readonly modelPath: string;
  /** Tick rate of the control loop, Hz. (0, 1000]. */
  readonly controlRateHz: number;
  /** Per-tick deadline for a fresh chunk, measured from the scheduled tick time, s. (0, 1/controlRateHz]. */
  readonly deadlineSec: number;
  /** An observation older than this at tick time makes the tick `stale_input`, s. */
  readonly maxObservationAgeSec: number;
  /** A message stamped further than this from the clock it arrives at, ahead or behind, is refused (bad_stamp), s. */
  readonly maxStampSkewSec: number;
  /** Actions due earlier than now + this are dropped from a chunk before publishing, s (0 = only past steps). */
  readonly actionExecLatencySec: number;
  readonly topics: TopicConfig;
  /** JointState joint names read for the model's `joint_states` state entries, in order; null = the model's names. */
  readonly stateJointNames: readonly string[] | null;
  /** Joint names written on the outputs, one per action dimension; null = the model's action names. */
  readonly actionJointNames: readonly string[] | null;
  readonly executionMode: ExecutionMode;
  /** ACT temporal-ensembling decay m (weights exp(-m·i)); used only in `temporal_ensembling`. */
  readonly ensembleDecay: number;
  /** Seed of the counter-based Gaussian noise generator (policy/noise.ts). */
  readonly noiseSeed: number;
  /** Consecutive healthy ticks needed to return to RUNNING from DEGRADED or SAFE. */
  readonly recoveryTicks: number;
  /** Position published in SAFE, one per action dimension; null = the last commanded action (else the measured state). */
  readonly holdPosition: readonly number[] | null;
  /** Port of the /metrics /healthz /readyz server; 0 disables it. */
  readonly metricsPort: number;
  readonly logLevel: LogLevel;
  /** Minimum spacing of repeated warnings of one kind, s (0 = log every one). */
  readonly logThrottleSec: number;
  /** onnxruntime intra-op threads (pinned). */
  readonly intraOpThreads: number;
  /** onnxruntime inter-op threads (pinned). */
  readonly interOpThreads: number;
  /** Inference runs before the loop starts. */
  readonly warmupRuns: number;
  /** Samples kept per observation source. */
  readonly observationBufferSize: number;
};

/** Input accepted by `validateConfig`: every field optional (`modelPath` is required by validation); topics may be
 * partial; null or absent = the default in CONFIG_FIELDS (deadlineSec: 0.8 of the tick period). */
export type NodeConfigInput = Partial<Omit<NodeConfig, 'topics' | 'deadlineSec'>> & {
  readonly topics?: Partial<TopicConfig>;
  readonly deadlineSec?: number | null;
};

// Defaults, units, ranges and descriptions of every field: CONFIG_FIELDS in configFields.ts (one table).
