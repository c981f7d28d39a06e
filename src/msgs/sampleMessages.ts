// One small valid message of every known type: seeds for the decoder fuzz (src/fuzz/decoderFuzz.ts) and the
// round-trip checks of the CDR bounds walk. Small on purpose: a 4×3 image, a 1×1 PNG, two joints, two points.
import type { MessageTypes } from './types.js';

/** 1×1 RGBA PNG (a red pixel), the smallest complete PNG payload. */
const PNG_1X1 = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64'));

export function sampleMessages(): [keyof MessageTypes, MessageTypes[keyof MessageTypes]][] {
  const header = { stamp: { sec: 1_700_000_000, nanosec: 100_000_000 }, frame_id: 'cam' };
  const image: MessageTypes['sensor_msgs/msg/Image'] = {
    header,
    height: 3,
    width: 4,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: 12,
    data: Uint8Array.from({ length: 36 }, (_, i) => i * 7),
  };
  const compressed: MessageTypes['sensor_msgs/msg/CompressedImage'] = { header, format: 'png', data: PNG_1X1 };
  const joints: MessageTypes['sensor_msgs/msg/JointState'] = {
    header,
    name: ['agent_x', 'agent_y'],
    position: Float64Array.of(100.5, 200.25),
    velocity: Float64Array.of(0, 1),
    effort: [],
  };
  const pose: MessageTypes['geometry_msgs/msg/PoseStamped'] = {
    header,
    pose: { position: { x: 300, y: 310, z: 0 }, orientation: { x: 0, y: 0, z: 0.3428978, w: 0.9393727 } },
  };
  const trajectory: MessageTypes['trajectory_msgs/msg/JointTrajectory'] = {
    header,
    joint_names: ['agent_x', 'agent_y'],
    points: [0, 1].map((k) => ({
      positions: [k, k + 1],
      velocities: [],
      accelerations: [],
      effort: [],
      time_from_start: { sec: 0, nanosec: 100_000_000 * (k + 1) },
    })),
  };
  const chunk: MessageTypes['oneflow_msgs/msg/ActionChunk'] = {
    header,
    model_id: '0123456789abcdef',
    seq: 7n,
    dt_sec: 0.1,
    first_step_offset: -1,
    names: ['agent_x', 'agent_y'],
    horizon: 2,
    data: [1, 2, 3, 4],
    inference_time_sec: 0.004,
    fallback: false,
    watchdog_state: 0,
  };
  return [
    ['sensor_msgs/msg/Image', image],
    ['sensor_msgs/msg/CompressedImage', compressed],
    ['sensor_msgs/msg/JointState', joints],
    ['geometry_msgs/msg/PoseStamped', pose],
    ['trajectory_msgs/msg/JointTrajectory', trajectory],
    ['oneflow_msgs/msg/ActionChunk', chunk],
  ];
}
