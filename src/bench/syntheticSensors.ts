// Plausible Push-T sensor messages for a policy spec at a given time (bench only): joint states, object pose and, for
// image policies, a 96×96 rgb8 frame. They flow through the same decoders as real messages.
import type { PolicyNode } from '../node/api.js';
import type { Image, JointState, PoseStamped } from '../msgs/types.js';

export function feedSyntheticSensors(node: PolicyNode, tNs: bigint, k: number): void {
  const stamp = { sec: Number(tNs / 1_000_000_000n), nanosec: Number(tNs % 1_000_000_000n) };
  const x = 256 + 100 * Math.sin(k / 20);
  const y = 256 + 100 * Math.cos(k / 20);
  const js: JointState = { header: { stamp, frame_id: '' }, name: ['agent_x', 'agent_y'], position: Float64Array.of(x, y), velocity: [], effort: [] };
  node.onMessage(node.config.topics.jointStates, 'sensor_msgs/msg/JointState', js, tNs);
  const pose: PoseStamped = {
    header: { stamp, frame_id: 'pusht' },
    pose: { position: { x: 300, y: 300, z: 0 }, orientation: { x: 0, y: 0, z: Math.sin(0.35), w: Math.cos(0.35) } },
  };
  node.onMessage(node.config.topics.objectPose, 'geometry_msgs/msg/PoseStamped', pose, tNs);
  const img = node.spec.image;
  if (img !== null) {
    const data = new Uint8Array(img.width * img.height * 3).fill(k % 256);
    const msg: Image = {
      header: { stamp, frame_id: 'camera' },
      height: img.height,
      width: img.width,
      encoding: 'rgb8',
      is_bigendian: 0,
      step: img.width * 3,
      data,
    };
    node.onMessage(node.config.topics.camera, 'sensor_msgs/msg/Image', msg, tNs);
  }
}
