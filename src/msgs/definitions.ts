// Schema name → ros2msg text, for every message type OneFlow writes. Unknown schemas met in a bag are parsed
// from the bag's own text instead (see codec.ts).
import { COMPRESSED_IMAGE_MSG, HEADER_DEP, IMAGE_MSG, JOINT_STATE_MSG, JOINT_TRAJECTORY_MSG, POSE_STAMPED_MSG } from './definitionTexts.js';
import type { MessageTypeName } from './types.js';

/** The line rosbag2 writes between concatenated definitions: exactly 80 '='. */
export const DEFINITION_SEPARATOR = '='.repeat(80);

/** msgs/oneflow_msgs/msg/ActionChunk.msg verbatim (a test keeps the two identical). */
export const ACTION_CHUNK_TEXT = `# One time-indexed chunk of actions produced by the OneFlow policy node.
# Action k (0-based) is meant for header.stamp + (k + first_step_offset) * dt_sec; header.stamp is the time of the
# newest observation the policy saw. Steps already due when the chunk was published are not included:
# \`first_step_offset\` accounts for them.
std_msgs/Header header
string model_id                # sha256 prefix (16 hex) of the ONNX file that produced the chunk
uint64 seq                     # tick sequence number, increments by one per published chunk
float64 dt_sec                 # spacing between consecutive actions (1 / control rate)
int32 first_step_offset        # index offset of data[0] relative to header.stamp, in steps of dt_sec
string[] names                 # action dimension names, e.g. [agent_x, agent_y]
uint32 horizon                 # number of actions in this chunk
float64[] data                 # row-major horizon x len(names), in robot units
float64 inference_time_sec     # wall time of the inference that produced the chunk (0 for a fallback)
bool fallback                  # true when this chunk is the tail of an earlier chunk or a hold (watchdog)
uint8 watchdog_state           # 0 RUNNING, 1 DEGRADED, 2 SAFE
uint8 RUNNING=0
uint8 DEGRADED=1
uint8 SAFE=2
`;

const ACTION_CHUNK_MSG = `${ACTION_CHUNK_TEXT}\n${DEFINITION_SEPARATOR}\nMSG: std_msgs/Header\n${HEADER_DEP}`;

export const MESSAGE_DEFINITIONS: Readonly<Record<MessageTypeName, string>> = Object.freeze({
  'sensor_msgs/msg/Image': IMAGE_MSG,
  'sensor_msgs/msg/CompressedImage': COMPRESSED_IMAGE_MSG,
  'sensor_msgs/msg/JointState': JOINT_STATE_MSG,
  'geometry_msgs/msg/PoseStamped': POSE_STAMPED_MSG,
  'trajectory_msgs/msg/JointTrajectory': JOINT_TRAJECTORY_MSG,
  'oneflow_msgs/msg/ActionChunk': ACTION_CHUNK_MSG,
});

export function isKnownType(name: string): name is MessageTypeName {
  return Object.prototype.hasOwnProperty.call(MESSAGE_DEFINITIONS, name);
}
