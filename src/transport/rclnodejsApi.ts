// The slice of the rclnodejs 2.x API the ROS adapter uses, written as structural types (rclnodejs' own typings
// need generated message namespaces that exist only on a ROS machine; runtime.md §1.5). The real module and the
// test fake (test/ros/fakeRclnodejs.ts) both satisfy these. Shapes follow rclnodejs@2.2.0 `types/*.d.ts` and
// `lib/*.js`; comments name the traps.

/** rclnodejs.ParameterType (a `const enum` in its typings, a plain object at run time). */
export type RclParameterTypes = {
  readonly PARAMETER_NOT_SET: number;
  readonly PARAMETER_BOOL: number;
  readonly PARAMETER_INTEGER: number;
  readonly PARAMETER_DOUBLE: number;
  readonly PARAMETER_STRING: number;
  readonly PARAMETER_BOOL_ARRAY: number;
  readonly PARAMETER_INTEGER_ARRAY: number;
  readonly PARAMETER_DOUBLE_ARRAY: number;
  readonly PARAMETER_STRING_ARRAY: number;
};

/** INTEGER values are `bigint` (lib/parameter.js); DOUBLE values are numbers. */
export type RclParameterValue = boolean | bigint | number | string | boolean[] | bigint[] | number[] | string[];

export interface RclParameter {
  readonly name: string;
  readonly type: number;
  readonly value: RclParameterValue;
}

export interface RclParameterDescriptor {
  readonly name: string;
  readonly type: number;
  readonly description: string;
  readonly readOnly: boolean;
  additionalConstraints: string;
}

export interface RclRange {
  readonly fromValue: number | bigint;
  readonly toValue: number | bigint;
  readonly step: number | bigint;
}

/** builtin Time: `nanoseconds` is a bigint since the epoch (ROS time under use_sim_time). */
export interface RclTime {
  readonly nanoseconds: bigint;
}

/** builtin_interfaces/msg/Time as a decoded message (rosgraph_msgs/msg/Clock's `clock`). */
export type RclTimeMsg = { readonly sec: number; readonly nanosec: number };

/** The node's ROS clock (lib/clock.js ROSClock): under use_sim_time its time is whatever was last set here. */
export interface RclRosClock {
  set rosTimeOverride(time: RclTime);
}

/**
 * One entry of the parameter overrides rcl parsed from `--ros-args` (`-p`, `--params-file`), as the addon's
 * `getParameterOverrides(context.handle)` returns them: `name` is the node key exactly as written — `/**`, a bare
 * `oneflow_policy`, a fully qualified `/oneflow_policy` (what launch_ros writes), a wildcard `/**\/oneflow_policy` —
 * in the order rcl first met each key. rclnodejs 2.2.0 itself applies only `/**` and the bare node name.
 */
export type RclNodeParameterOverrides = {
  readonly name: string;
  readonly parameters: readonly RclParameter[];
};

export interface RclPublisher {
  readonly topic: string;
  /** A Node `Buffer` is published as-is (rcl_publish_serialized_message); a Uint8Array is NOT (it is treated as a
   * message object), so raw bytes must be wrapped with Buffer.from(view.buffer, offset, length). */
  publish(message: Buffer): void;
}

export interface RclSubscription {
  readonly topic: string;
}

export interface RclTimer {
  cancel(): void;
}

/** Passed to timer callbacks on distros with rcl_timer_call_with_info (bigint ns on the timer's clock). */
export type RclTimerInfo = {
  readonly expectedCallTime?: bigint;
  readonly actualCallTime?: bigint;
};

/** Options of createSubscription/createPublisher. `qos` is a profile name (QoS.profileSensorData, ...) or a QoS. */
export type RclEntityOptions = {
  readonly enableTypedArray?: boolean;
  readonly isRaw?: boolean;
  readonly qos?: string | RclQoS;
};

export interface RclQoS {
  history: number;
  depth: number;
  durability: number;
  liveliness: number;
  avoidRosNameSpaceConventions: boolean;
}

export interface RclLogger {
  debug(message: string): boolean | void;
  info(message: string): boolean | void;
  warn(message: string): boolean | void;
  error(message: string): boolean | void;
}

export interface RclNode {
  name(): string;
  namespace(): string;
  getLogger(): RclLogger;
  now(): RclTime;
  getClock(): RclRosClock;
  declareParameter(parameter: RclParameter, descriptor?: RclParameterDescriptor, ignoreOverride?: boolean): RclParameter;
  hasParameter(name: string): boolean;
  getParameter(name: string): RclParameter;
  /** Runs the on-set-parameters callbacks (use_sim_time → the TimeSource switches the clock). */
  setParameter(parameter: RclParameter): unknown;
  getParameterOverrides(): RclParameter[];
  /** With `isRaw: true` the callback receives the CDR bytes (4-byte encapsulation header + XCDR1) as a Buffer;
   * without it, the decoded message object (M). */
  createSubscription<M = Buffer>(typeClass: string, topic: string, options: RclEntityOptions, callback: (message: M) => void): RclSubscription;
  createPublisher(typeClass: string, topic: string, options?: RclEntityOptions): RclPublisher;
  /** `period` in nanoseconds as a bigint (a number throws TypeValidationError). */
  createTimer(period: bigint, callback: (info?: RclTimerInfo) => void): RclTimer;
  spin(timeoutMs?: number): void;
  stop(): void;
  destroy(): void;
}

export interface RclQoSStatic {
  readonly profileDefault: string;
  readonly profileSensorData: string;
  readonly profileSystemDefault: string;
}

/** The module object (`(await import('rclnodejs')).default`). */
export interface RclModule {
  init(context?: unknown, argv?: string[]): Promise<void>;
  removeROSArgs(argv: string[]): string[];
  removeSignalHandlers(): void;
  shutdown(context?: unknown): void;
  isShutdown(): boolean;
  readonly Node: new (name: string, namespace?: string, context?: unknown, options?: unknown) => RclNode;
  readonly NodeOptions: new (
    startParameterServices?: boolean,
    parameterOverrides?: unknown[],
    automaticallyDeclareParametersFromOverrides?: boolean,
  ) => unknown;
  readonly Parameter: new (name: string, type: number, value: RclParameterValue) => RclParameter;
  readonly ParameterDescriptor: new (name: string, type: number, description?: string, readOnly?: boolean, range?: RclRange | null) => RclParameterDescriptor;
  readonly ParameterType: RclParameterTypes;
  /** Trap: `step` defaults to 1 (only whole numbers in range); pass 0 for a continuous range. */
  readonly FloatingPointRange: new (fromValue: number, toValue: number, step?: number) => RclRange;
  readonly IntegerRange: new (fromValue: bigint, toValue: bigint, step?: bigint) => RclRange;
  readonly QoS: RclQoSStatic;
  /** lib/time.js: a ROS_TIME Time from a builtin_interfaces/msg/Time message. */
  readonly Time: { fromMsg(msg: RclTimeMsg): RclTime };
  /** lib/context.js: `init()` without a context initialises this one; its `handle` is what the addon takes. */
  readonly Context: { defaultContext(): { readonly handle: unknown } };
}
