// Our own TypeScript shapes for the ROS 2 messages OneFlow reads and writes. They match what
// @foxglove/rosmsg2-serialization decodes (numeric arrays as TypedArrays, time as {sec, nanosec}) and what it
// encodes (plain number arrays are accepted too). rclnodejs's generated typings only exist on a ROS machine, so
// replay, the ROS adapter and the tests all use these.

export interface Time {
  sec: number; // int32 seconds
  nanosec: number; // uint32 nanoseconds, 0 ≤ nanosec < 1e9
}

export type Duration = Time;

export interface Header {
  stamp: Time;
  frame_id: string;
}

/** sensor_msgs/msg/Image */
export interface Image {
  header: Header;
  height: number;
  width: number;
  encoding: string; // rgb8 | bgr8 | rgba8 | bgra8 | mono8 | ...
  is_bigendian: number;
  step: number; // bytes per row
  data: Uint8Array;
}

/** sensor_msgs/msg/CompressedImage */
export interface CompressedImage {
  header: Header;
  format: string; // "jpeg" | "png" | "rgb8; jpeg compressed bgr8" ...
  data: Uint8Array;
}

/** sensor_msgs/msg/JointState */
export interface JointState {
  header: Header;
  name: string[];
  position: Float64Array | number[];
  velocity: Float64Array | number[];
  effort: Float64Array | number[];
}

export interface Point {
  x: number;
  y: number;
  z: number;
}

export interface Quaternion {
  x: number;
  y: number;
  z: number;
  w: number;
}

/** geometry_msgs/msg/PoseStamped */
export interface PoseStamped {
  header: Header;
  pose: { position: Point; orientation: Quaternion };
}

/** trajectory_msgs/msg/JointTrajectoryPoint */
export interface JointTrajectoryPoint {
  positions: Float64Array | number[];
  velocities: Float64Array | number[];
  accelerations: Float64Array | number[];
  effort: Float64Array | number[];
  time_from_start: Duration;
}

/** trajectory_msgs/msg/JointTrajectory */
export interface JointTrajectory {
  header: Header;
  joint_names: string[];
  points: JointTrajectoryPoint[];
}

/** oneflow_msgs/msg/ActionChunk watchdog_state constants (part of the .msg text). */
export const WATCHDOG_RUNNING = 0;
export const WATCHDOG_DEGRADED = 1;
export const WATCHDOG_SAFE = 2;

/** oneflow_msgs/msg/ActionChunk (msgs/oneflow_msgs/msg/ActionChunk.msg) */
export interface ActionChunk {
  header: Header;
  model_id: string;
  seq: bigint; // uint64
  dt_sec: number;
  first_step_offset: number;
  names: string[];
  horizon: number;
  data: Float64Array | number[]; // row-major horizon × names.length, robot units
  inference_time_sec: number;
  fallback: boolean;
  watchdog_state: number; // WATCHDOG_RUNNING | WATCHDOG_DEGRADED | WATCHDOG_SAFE
}

/** The message types OneFlow knows by name (rosbag2 / MCAP schema names). */
export interface MessageTypes {
  'sensor_msgs/msg/Image': Image;
  'sensor_msgs/msg/CompressedImage': CompressedImage;
  'sensor_msgs/msg/JointState': JointState;
  'geometry_msgs/msg/PoseStamped': PoseStamped;
  'trajectory_msgs/msg/JointTrajectory': JointTrajectory;
  'oneflow_msgs/msg/ActionChunk': ActionChunk;
}

export type MessageTypeName = keyof MessageTypes;

const NS_PER_S = 1_000_000_000n;

/** Nanoseconds since the epoch (bigint) → builtin_interfaces/Time. */
export function timeFromNs(ns: bigint): Time {
  if (ns < 0n) throw new RangeError(`time ${ns} ns is negative; builtin_interfaces/Time needs ≥ 0 here`);
  return { sec: Number(ns / NS_PER_S), nanosec: Number(ns % NS_PER_S) };
}

/** builtin_interfaces/Time → nanoseconds (bigint). */
export function timeToNs(t: Time): bigint {
  return BigInt(t.sec) * NS_PER_S + BigInt(t.nanosec);
}
