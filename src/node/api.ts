// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// The OneFlow policy node: the API that replay (src/bag, src/cli/replay.ts), the ROS adapter and bench drive.
//
//   const node = createNode({ config, policy, clock, sinks, metrics, logger });   // src/node/createNode.ts
//   node.onMessage('/joint_states', 'sensor_msgs/msg/JointState', decodedMsg, receiveNs);  // any time, any order
//   const report = await node.tick(nowNs);     // once per control period; resolves by nowNs + deadlineSec
//   report.chunk / report.trajectory           // what was published on this tick (also sent to `sinks`), or null
//   node.halt(nowNs, 'SIGTERM');               // on stop: publishes ONE hold, then nothing more (see below)
//   await node.close();                        // halts first unless halt() already did; closes the policy runtime
//
// * Messages are the decoded CDR objects of src/msgs/types.ts (what @foxglove/rosmsg2-serialization returns, and
//   what the ROS adapter gets from raw subscriptions): Image, CompressedImage, JointState, PoseStamped. The topic
//   selects the observation source (config.topics: camera, jointStates, objectPose); the type name selects the
//   decoder. Observation time is the message's header.stamp (receiveNs only if the stamp is zero). Bad messages are
//   rejected and counted (oneflow_messages_rejected_total{source,reason}); onMessage never throws.
// * Time is bigint nanoseconds. `tick(nowNs)` takes the tick's *scheduled* time: in replay the simulated bag clock,
//   live the ROS/wall clock of the drift-free schedule (src/node/runLoop.ts). `clock.nowNs()` is read once before
//   inference so the budget handed to the worker is deadlineSec − (clock.nowNs() − nowNs); with a simulated clock
//   that equals deadlineSec, so replay sees the full deadline and is deterministic unless inference really is late.
// * One tick: assemble To observation frames → seeded noise → inference (worker, budgeted) → validate → time-index
//   the chunk (action k at t_obs + (k + first_step_offset)·dt, steps already due dropped) → execution mode →
//   watchdog → publish. The outcome is one of ok | stale_input | deadline_miss | invalid_output | error.
// * Stop (signal, error, lifecycle deactivate): `halt(nowNs, reason)` publishes one hold at once — the point being
//   commanded at nowNs (config.holdPosition, else the current chunk's point due then, else the measured joints,
//   bounds-checked) — like ros2_controllers' halt(), so a JointTrajectoryController does not keep executing the
//   last chunk for up to its horizon; ticks still in flight or later publish nothing. `close()` halts first (at
//   clock.nowNs(), else the last tick time) unless halt() already ran.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
import type { NodeConfig } from '../config/nodeConfig.js';
import type { TickOutcome } from '../control/tickOutcome.js';
import type { ActionChunk, JointTrajectory } from '../msgs/types.js';
import type { RejectReason } from '../observation/rejectReason.js';
import type { PolicyRuntime } from '../policy/policyRuntime.js';
import type { PolicySpec } from '../policy/policySpec.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { WatchdogState } from '../watchdog/watchdogState.js';

/** Source of "now" for budgets (simulated in replay). */
export interface Clock {
  nowNs(): bigint;
}

/** Where published messages go (ROS publishers, a bag writer, an array in a test). */
export interface ActionSink {
  publishChunk(msg: ActionChunk): void;
  publishTrajectory(msg: JointTrajectory): void;
}

export type CreateNodeOptions = {
  readonly config: NodeConfig;
  readonly policy: PolicyRuntime;
  /** Default: a clock that always answers the current tick's nowNs (budget = deadlineSec). */
  readonly clock?: Clock;
  readonly sinks?: ActionSink;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  /** Monotonic stopwatch for tick/inference durations (default process.hrtime.bigint). */
  readonly stopwatchNs?: () => bigint;
};

/** The result of `onMessage`. */
export type MessageVerdict =
  | { readonly kind: 'accepted'; readonly source: string }
  | { readonly kind: 'rejected'; readonly source: string; readonly reason: RejectReason; readonly detail: string }
  /** The topic is not an input of this policy (e.g. the camera for a state policy). */
  | { readonly kind: 'ignored' };

/** What one tick did. */
export type TickReport = {
  /** 0, 1, 2, … per tick. */
  readonly tick: number;
  readonly nowNs: bigint;
  readonly outcome: TickOutcome;
  /** Watchdog state after this tick. */
  readonly state: WatchdogState;
  /** Published this tick (also given to sinks), or null when nothing was published. */
  readonly chunk: ActionChunk | null;
  readonly trajectory: JointTrajectory | null;
  /** Whether an inference was requested this tick (false on DP-style in-between ticks and stale input). */
  readonly inferred: boolean;
  /** Wall time of the inference, s, when it succeeded. */
  readonly inferenceSec: number | null;
  /** Stamp of the newest observation used (t_obs), when one was assembled. */
  readonly observationNs: bigint | null;
  /** Why the outcome is not ok, with numbers. */
  readonly detail: string;
};

/** What `halt` published: one hold (chunk + trajectory), or nulls when stopped already / no position known. */
export type HaltReport = {
  readonly chunk: ActionChunk | null;
  readonly trajectory: JointTrajectory | null;
  readonly detail: string;
};

export interface PolicyNode {
  readonly config: NodeConfig;
  readonly spec: PolicySpec;
  readonly state: WatchdogState;
  /** True once the node has been RUNNING at least once and is not SAFE (for /readyz). */
  readonly ready: boolean;
  onMessage(topic: string, typeName: string, msg: unknown, receiveNs: bigint): MessageVerdict;
  tick(nowNs: bigint): Promise<TickReport>;
  /** Publishes one hold and stops publishing (idempotent, never throws). */
  halt(nowNs: bigint, reason: string): HaltReport;
  /** Halts (unless halted already), then closes the policy runtime. */
  close(): Promise<void>;
}
