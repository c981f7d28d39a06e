#!/usr/bin/env node
// Writes src/msgs/definitionTexts.ts: the ros2msg texts (top-level .msg, then each dependency after 80 "=" and
// "MSG: pkg/Name") of the standard messages OneFlow reads and writes, taken verbatim from the
// @foxglove/rosmsg-msgs-common devDependency (msgdefs/ros2jazzy holds them already concatenated as rosbag2 stores
// them). Run after upgrading that package: `node scripts/gen-definition-texts.mjs`; `--stdout` prints instead of
// writing (test/msgs/definitionTexts.test.ts checks that the committed file equals the output).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const PACKAGE = '@foxglove/rosmsg-msgs-common';
const OUT = 'src/msgs/definitionTexts.ts';
/** Exported constant → msgdefs/ros2jazzy path. */
const TEXTS = [
  ['IMAGE_MSG', 'sensor_msgs/msg/Image.msg'],
  ['COMPRESSED_IMAGE_MSG', 'sensor_msgs/msg/CompressedImage.msg'],
  ['JOINT_STATE_MSG', 'sensor_msgs/msg/JointState.msg'],
  ['POSE_STAMPED_MSG', 'geometry_msgs/msg/PoseStamped.msg'],
  ['JOINT_TRAJECTORY_MSG', 'trajectory_msgs/msg/JointTrajectory.msg'],
];
const HEADER = 'std_msgs/msg/Header.msg';

const require = createRequire(import.meta.url);
const pkgJson = require.resolve(`${PACKAGE}/package.json`);
const { version } = JSON.parse(readFileSync(pkgJson, 'utf8'));
const msgdefs = join(dirname(pkgJson), 'msgdefs', 'ros2jazzy');
const text = (rel) => readFileSync(join(msgdefs, rel), 'utf8');

export const source = [
  '// ros2msg definition texts as rosbag2 stores them in MCAP schemas: the top-level .msg first, then each dependency',
  '// after a line of 80 "=" and "MSG: pkg/Name" (no "/msg/"). The standard texts are copied verbatim from',
  `// ${PACKAGE} ${version} msgdefs/ros2jazzy by scripts/gen-definition-texts.mjs (do not edit by hand). ActionChunk is ours`,
  '// (msgs/oneflow_msgs/msg/ActionChunk.msg) with its std_msgs/Header dependency appended the same way.',
  '// builtin_interfaces/Time and Duration are primitives for @foxglove/rosmsg and rosbags alike, so no MSG: block.',
  '',
  ...TEXTS.flatMap(([name, rel]) => [`export const ${name} = ${JSON.stringify(text(rel))};`, '']),
  '/** std_msgs/Header as it appears after its MSG: line. */',
  `export const HEADER_DEP = ${JSON.stringify(text(HEADER))};`,
  '',
].join('\n');

if (process.argv.includes('--stdout')) process.stdout.write(source);
else writeFileSync(OUT, source);
