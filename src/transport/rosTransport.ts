// ROS 2 transport of the policy node. [adapter: rclnodejs, imported lazily by loadRclnodejs() only]
//
// Live and replay share one codec (runtime.md §0.3): subscriptions are raw (`isRaw: true`, the callback gets the
// CDR bytes) and decoded by src/msgs — the decoder replay uses on MCAP payloads — before they reach the node core;
// outputs are encoded by src/msgs and published as Buffers (rcl_publish_serialized_message), so the bytes on the
// wire equal the bytes replay writes into its output bag. QoS: cameras best effort (sensor-data profile — a
// RELIABLE subscriber never matches a BEST_EFFORT camera), joint states and poses reliable, outputs reliable
// keep-last-10 (what JointTrajectoryController's SystemDefaultsQoS subscriber matches).
import type { NodeConfig } from '../config/nodeConfig.js';
import { TransportError } from '../errors.js';
import { decodeMessage, encodeMessage, type MessageTypeName } from '../msgs/index.js';
import type { ActionChunk, JointTrajectory } from '../msgs/types.js';
import type { ActionSink, Clock } from '../node/api.js';
import type { PolicyInput } from '../observation/inputs.js';
import { NULL_LOGGER, type Logger } from '../telemetry/logger.js';
import { NULL_METRICS, type Metrics } from '../telemetry/metrics.js';
import type { RclModule, RclNode, RclNodeParameterOverrides, RclPublisher, RclSubscription, RclTimeMsg } from './rclnodejsApi.js';

export const ACTION_CHUNK_TYPE = 'oneflow_msgs/msg/ActionChunk';
export const JOINT_TRAJECTORY_TYPE = 'trajectory_msgs/msg/JointTrajectory';

/** One subscription (the policy's inputs, observation/inputs.ts). */
export type RosInput = PolicyInput;

/** The clock topic rosbag2 (`ros2 bag play --clock`) and simulators publish, best effort (rclcpp ClockQoS). */
export const CLOCK_TOPIC = '/clock';
export const CLOCK_TYPE = 'rosgraph_msgs/msg/Clock';

/**
 * Imports rclnodejs (an optionalDependency: it installs only where ROS 2 is sourced). Throws a TransportError that
 * says how to get it instead of a bare ERR_MODULE_NOT_FOUND.
 *
 * Refuses to import it at all when no ROS 2 environment is sourced (`env` has no AMENT_PREFIX_PATH): rclnodejs
 * 2.2.0's loader, when its addon fails to load (it would, without ROS' libraries on the path), deletes the addon
 * (`node-gyp clean`) and rebuilds it from source — turning a missing `source` into a broken install.
 */
export async function loadRclnodejs(
  importer: () => Promise<unknown> = () => import('rclnodejs' as string),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RclModule> {
  if ((env.AMENT_PREFIX_PATH ?? '') === '') {
    throw new TransportError(
      'no ROS 2 environment (AMENT_PREFIX_PATH is empty): source your ROS 2 setup (`source /opt/ros/jazzy/setup.bash`, ' +
        "or `source scripts/ros-env.sh` for the project's PyPI install) before `oneflow run`. rclnodejs is not loaded " +
        'without it: its loader would delete and rebuild its native addon (docs/deploy.md).',
      '[env=AMENT_PREFIX_PATH]',
    );
  }
  let mod: unknown;
  try {
    mod = await importer();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TransportError(
      'rclnodejs is not available. It is an optional dependency that installs only with ROS 2 sourced: ' +
        '`source /opt/ros/jazzy/setup.bash && ONNXRUNTIME_NODE_INSTALL=skip npm ci` (see docs/deploy.md). ' +
        'Without ROS, use `oneflow replay`.',
      `[cause=${why.split('\n')[0]}]`,
      { cause: err },
    );
  }
  const m = mod as { default?: unknown };
  return (m.default ?? mod) as RclModule;
}

/**
 * A reader of every parameter override rcl parsed from --ros-args, per node key — the data rclnodejs' own Node
 * filters down to `/**` and the bare name (transport/parameterOverrides.ts applies rclcpp's rule instead). The
 * addon is reached through rclnodejs' exported `lib/native_loader.js` (the same, already loaded, .node file).
 */
export async function loadParameterOverrideReader(
  rcl: RclModule,
  importer: () => Promise<unknown> = () => import('rclnodejs/lib/native_loader.js' as string),
): Promise<() => RclNodeParameterOverrides[]> {
  type Addon = { getParameterOverrides?: (contextHandle: unknown) => RclNodeParameterOverrides[] | undefined };
  let addon: Addon;
  try {
    const mod = (await importer()) as { default?: Addon };
    addon = mod.default ?? (mod as Addon);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TransportError(`cannot load rclnodejs' native addon: ${why.split('\n')[0]}`, '[module=rclnodejs/lib/native_loader.js]', { cause: err });
  }
  const read = addon.getParameterOverrides;
  if (typeof read !== 'function') {
    throw new TransportError("rclnodejs' addon has no getParameterOverrides (rclnodejs 2.2.0 expected)", '[module=rclnodejs/lib/native_loader.js]');
  }
  // Wrapped as rclnodejs' own Node does: the addon gives INTEGER values as numbers; rcl.Parameter makes them bigint.
  return () =>
    (read(rcl.Context.defaultContext().handle) ?? []).map((entry) => ({
      name: entry.name,
      parameters: entry.parameters.map((p) => new rcl.Parameter(p.name, p.type, p.value)),
    }));
}

/** Copy-free view of encoded bytes as the Node Buffer rclnodejs needs to publish them raw. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export type MessageHandler = (topic: string, typeName: MessageTypeName, msg: unknown, receiveNs: bigint) => void;

export type RosTransportOptions = {
  readonly rcl: RclModule;
  readonly node: RclNode;
  readonly config: NodeConfig;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
};

/** Publishers, raw subscriptions and the ROS clock of one rclnodejs node; the node core's ActionSink and Clock. */
export class RosTransport implements ActionSink, Clock {
  readonly #rcl: RclModule;
  readonly #node: RclNode;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #chunkPub: RclPublisher;
  readonly #trajectoryPub: RclPublisher;
  readonly #subscriptions: RclSubscription[] = [];
  #closed = false;
  #published = 0;

  constructor(options: RosTransportOptions) {
    this.#rcl = options.rcl;
    this.#node = options.node;
    this.#metrics = options.metrics ?? NULL_METRICS;
    this.#logger = options.logger ?? NULL_LOGGER;
    const qos = { qos: this.#rcl.QoS.profileDefault };
    const topics = options.config.topics;
    this.#chunkPub = this.#create('publisher', topics.actionChunk, () => this.#node.createPublisher(ACTION_CHUNK_TYPE, topics.actionChunk, qos));
    this.#trajectoryPub = this.#create('publisher', topics.jointTrajectory, () =>
      this.#node.createPublisher(JOINT_TRAJECTORY_TYPE, topics.jointTrajectory, qos),
    );
  }

  /** Subscribes each input raw; every message is decoded with src/msgs and handed to `onMessage` (never throws). */
  subscribe(inputs: readonly RosInput[], onMessage: MessageHandler): void {
    for (const input of inputs) {
      const options = {
        isRaw: true,
        enableTypedArray: true,
        qos: input.qos === 'sensor_data' ? this.#rcl.QoS.profileSensorData : this.#rcl.QoS.profileDefault,
      };
      const sub = this.#create('subscription', input.topic, () =>
        this.#node.createSubscription(input.typeName, input.topic, options, (bytes) => this.#receive(input, bytes, onMessage)),
      );
      this.#subscriptions.push(sub);
      this.#logger.info({ topic: input.topic, type: input.typeName, qos: input.qos, source: input.source }, 'subscribed');
    }
  }

  #receive(input: RosInput, bytes: Buffer, onMessage: MessageHandler): void {
    if (this.#closed) return;
    const receiveNs = this.nowNs();
    let msg: unknown;
    try {
      msg = decodeMessage(input.typeName, bytes);
    } catch (err) {
      this.#metrics.countRejected(input.source, 'malformed');
      this.#logger.warn({ topic: input.topic, bytes: bytes.byteLength, err: String(err) }, 'undecodable message dropped');
      return;
    }
    onMessage(input.topic, input.typeName, msg, receiveNs);
  }

  publishChunk(msg: ActionChunk): void {
    if (this.#closed) return;
    this.#chunkPub.publish(asBuffer(encodeMessage(ACTION_CHUNK_TYPE, msg)));
    this.#published += 1;
  }

  publishTrajectory(msg: JointTrajectory): void {
    if (this.#closed) return;
    this.#trajectoryPub.publish(asBuffer(encodeMessage(JOINT_TRAJECTORY_TYPE, msg)));
  }

  /**
   * Under use_sim_time: follow /clock with our own best-effort subscription. rclnodejs' TimeSource subscribes
   * RELIABLE, which never matches `ros2 bag play --clock` (best effort), so simulated time would stay at 0. A
   * best-effort subscriber matches reliable and best-effort publishers alike.
   */
  followClock(): void {
    const clock = this.#node.getClock();
    const options = { qos: this.#rcl.QoS.profileSensorData };
    this.#subscriptions.push(
      this.#create('subscription', CLOCK_TOPIC, () =>
        this.#node.createSubscription<{ clock: RclTimeMsg }>(CLOCK_TYPE, CLOCK_TOPIC, options, (msg) => {
          if (!this.#closed) clock.rosTimeOverride = this.#rcl.Time.fromMsg(msg.clock);
        }),
      ),
    );
    this.#logger.info({ topic: CLOCK_TOPIC, qos: 'sensor_data' }, 'following simulated time');
  }

  /** ROS time of the node (the /clock time under use_sim_time), ns. */
  nowNs(): bigint {
    return this.#node.now().nanoseconds;
  }

  get publishedChunks(): number {
    return this.#published;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops publishing and receiving at once, then stops spinning and destroys the node. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#node.stop();
    } finally {
      this.#node.destroy();
    }
  }

  #create<T>(kind: string, topic: string, make: () => T): T {
    try {
      return make();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new TransportError(`cannot create ROS ${kind}: ${why}`, `[topic=${topic}]`, { cause: err });
    }
  }
}
