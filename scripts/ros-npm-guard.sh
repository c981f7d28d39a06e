#!/usr/bin/env bash
# After `npm ci`: refuse an install that silently lost rclnodejs. rclnodejs is an optionalDependency, so when its
# source build fails (e.g. its `npx rimraf` clean step waiting for a "y" — run npm with npm_config_yes=true) npm drops
# it without an error and `oneflow run` fails later. With ROS 2 sourced (AMENT_PREFIX_PATH set) its addon must exist.
#   scripts/ros-npm-guard.sh [node_modules]
set -euo pipefail
modules="${1:-node_modules}"
addon="${modules}/rclnodejs/build/Release/rclnodejs.node"
if [[ -z "${AMENT_PREFIX_PATH:-}" ]]; then
  echo "ros-npm-guard: ROS 2 not sourced: rclnodejs not expected (oneflow replay/inspect/bench work; oneflow run needs it)"
  exit 0
fi
if [[ ! -f "${addon}" ]]; then
  echo "ros-npm-guard: ROS 2 is sourced (AMENT_PREFIX_PATH=${AMENT_PREFIX_PATH}) but ${addon} is missing:" >&2
  echo "  npm dropped the optional dependency rclnodejs because its install failed. Re-run with its log visible:" >&2
  echo "  npm_config_yes=true ONNXRUNTIME_NODE_INSTALL=skip npm ci --foreground-scripts   (docs/deploy.md §1)" >&2
  exit 1
fi
echo "ros-npm-guard: rclnodejs addon present (${addon})"
