// metadata.yaml and MCAP channel QoS text as rosbag2 Jazzy (bag format version 9) writes them
// (rosbag2_storage/src/rosbag2_storage/metadata_io.cpp, qos.cpp). Pure: strings in, strings out.

export const BAG_VERSION = 9;
/** rosbag2's "infinite" duration for deadline / lifespan / lease (RMW_DURATION_INFINITE). */
const INFINITE = { sec: 9223372036, nsec: 854775807 };

export interface QosProfile {
  history: 'keep_last' | 'keep_all';
  depth: number;
  reliability: 'reliable' | 'best_effort';
  durability: 'volatile' | 'transient_local';
}

export const DEFAULT_QOS: QosProfile = Object.freeze({
  history: 'keep_last',
  depth: 10,
  reliability: 'reliable',
  durability: 'volatile',
});

export interface TopicSummary {
  topic: string;
  type: string;
  messageCount: number;
  qos: QosProfile;
  typeDescriptionHash: string; // "RIHS01_…" or "" when unknown
}

export interface BagSummary {
  fileName: string; // relative to the bag directory
  startNs: bigint; // first log time (0 for an empty bag)
  endNs: bigint; // last log time
  messageCount: number;
  topics: TopicSummary[];
  rosDistro: string;
}

function qosLines(q: QosProfile, indent: string): string[] {
  const t = (k: string) => [`${indent}  ${k}:`, `${indent}    sec: ${INFINITE.sec}`, `${indent}    nsec: ${INFINITE.nsec}`];
  return [
    `${indent}- history: ${q.history}`,
    `${indent}  depth: ${q.depth}`,
    `${indent}  reliability: ${q.reliability}`,
    `${indent}  durability: ${q.durability}`,
    ...t('deadline'),
    ...t('lifespan'),
    `${indent}  liveliness: automatic`,
    ...t('liveliness_lease_duration'),
    `${indent}  avoid_ros_namespace_conventions: false`,
  ];
}

/** The `offered_qos_profiles` MCAP channel metadata value (a YAML list, version ≥ 9 spelling). */
export function qosYaml(q: QosProfile): string {
  return qosLines(q, '').join('\n');
}

function quote(s: string): string {
  return /^[A-Za-z0-9_/.:-]*$/.test(s) && s !== '' ? s : JSON.stringify(s);
}

/** The body of `rosbag2_bagfile_information` (what the MCAP `rosbag2` metadata record stores). */
function informationLines(b: BagSummary, indent: string): string[] {
  const i = indent;
  const duration = b.messageCount === 0 ? 0n : b.endNs - b.startNs;
  const lines = [
    `${i}version: ${BAG_VERSION}`,
    `${i}storage_identifier: mcap`,
    `${i}duration:`,
    `${i}  nanoseconds: ${duration}`,
    `${i}starting_time:`,
    `${i}  nanoseconds_since_epoch: ${b.startNs}`,
    `${i}message_count: ${b.messageCount}`,
    `${i}topics_with_message_count:`,
  ];
  for (const t of b.topics) {
    lines.push(
      `${i}  - topic_metadata:`,
      `${i}      name: ${quote(t.topic)}`,
      `${i}      type: ${quote(t.type)}`,
      `${i}      serialization_format: cdr`,
      `${i}      offered_qos_profiles:`,
      ...qosLines(t.qos, `${i}        `),
      `${i}      type_description_hash: ${quote(t.typeDescriptionHash)}`,
      `${i}    message_count: ${t.messageCount}`,
    );
  }
  if (b.topics.length === 0) lines[lines.length - 1] += ' []';
  lines.push(
    `${i}compression_format: ""`,
    `${i}compression_mode: ""`,
    `${i}relative_file_paths:`,
    `${i}  - ${quote(b.fileName)}`,
    `${i}files:`,
    `${i}  - path: ${quote(b.fileName)}`,
    `${i}    starting_time:`,
    `${i}      nanoseconds_since_epoch: ${b.startNs}`,
    `${i}    duration:`,
    `${i}      nanoseconds: ${duration}`,
    `${i}    message_count: ${b.messageCount}`,
    `${i}custom_data: ~`,
    `${i}ros_distro: ${quote(b.rosDistro)}`,
  );
  return lines;
}

/** metadata.yaml, as `ros2 bag record` leaves it beside the .mcap file. */
export function metadataYaml(b: BagSummary): string {
  return ['rosbag2_bagfile_information:', ...informationLines(b, '  ')].join('\n') + '\n';
}

/** `serialized_metadata` of the MCAP `rosbag2` metadata record (the information block, unindented). */
export function serializedMetadata(b: BagSummary): string {
  return informationLines(b, '').join('\n');
}
