// Which inputs a policy needs and where they come from — the one place that maps a policy's sources to topics and
// message types, for the live subscriptions (transport/rosTransport.ts) and for checking a bag (bag/replayRunner.ts).
// [pure]
import type { NodeConfig } from '../config/nodeConfig.js';
import type { MessageTypeName } from '../msgs/index.js';
import type { StateSource } from '../onnx/policyMetadata.js';
import type { PolicySpec } from '../policy/policySpec.js';

/** An observation source: a state source of the model contract (onnx/policyMetadata.ts STATE_SOURCES) or the camera. */
export type InputSource = StateSource | 'camera';
export type QosKind = 'sensor_data' | 'reliable';

/** One input: which topic feeds which observation source, the message type subscribed to, and its QoS. */
export type PolicyInput = {
  readonly source: InputSource;
  readonly topic: string;
  readonly typeName: MessageTypeName;
  readonly qos: QosKind;
};

const IMAGE_TYPES: readonly MessageTypeName[] = ['sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage'];

/** image_transport's convention: a topic ending in /compressed carries sensor_msgs/CompressedImage. */
export function cameraType(topic: string): MessageTypeName {
  return topic.endsWith('/compressed') ? 'sensor_msgs/msg/CompressedImage' : 'sensor_msgs/msg/Image';
}

/** The inputs a policy needs: the camera for image policies, joint states / object pose per state source. */
export function inputsFor(config: NodeConfig, spec: PolicySpec): PolicyInput[] {
  const inputs: PolicyInput[] = [];
  if (spec.image !== null) {
    inputs.push({ source: 'camera', topic: config.topics.camera, typeName: cameraType(config.topics.camera), qos: 'sensor_data' });
  }
  if (spec.stateSources.includes('joint_states')) {
    inputs.push({ source: 'joint_states', topic: config.topics.jointStates, typeName: 'sensor_msgs/msg/JointState', qos: 'reliable' });
  }
  if (spec.stateSources.includes('object_pose')) {
    inputs.push({ source: 'object_pose', topic: config.topics.objectPose, typeName: 'geometry_msgs/msg/PoseStamped', qos: 'reliable' });
  }
  return inputs;
}

/**
 * The message types a recorded topic may carry for this input. A live subscription needs one type (cameraType); a
 * bag's camera topic may hold either image type, since the node decodes by the message's own type.
 */
export function acceptedTypes(input: PolicyInput): readonly MessageTypeName[] {
  return input.source === 'camera' ? IMAGE_TYPES : [input.typeName];
}
