#!/usr/bin/env bash
# `make test-ros-live` (part of `make test`): the node on a live ROS 2 graph (Kilted from PyPI wheels, scripts/
# ros-setup.sh), started the way launch/policy.launch.py starts it, driven and checked by rclpy (live_test.py).
# Loopback only, a ROS_DOMAIN_ID of its own per run. Fails (never skips) when the set-up or the test fails.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "${repo}"
bash scripts/ros-setup.sh
[[ -f dist/src/cli.js ]] || nice -n 10 npx tsc -p tsconfig.json
# shellcheck source=scripts/ros-env.sh
source scripts/ros-env.sh
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export ROS_DOMAIN_ID="${ROS_DOMAIN_ID:-$(( 100 + RANDOM % 100 ))}"
echo "live test: ROS 2 ${ROS_DISTRO}, RMW ${RMW_IMPLEMENTATION}, ROS_DOMAIN_ID ${ROS_DOMAIN_ID}, loopback only"
exec "${ONEFLOW_ROS_DIR}/venv/bin/python" test/ros/live/live_test.py "${repo}"
