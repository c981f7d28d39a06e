#!/usr/bin/env bash
# The focused SIGINT-twice repro (sigint_repro.py) on the live test's ROS 2 set-up; arguments pass through
# (--delays-ms 0,10,50 --rounds 3). Uses the built dist/ (npm run build).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "${repo}"
# shellcheck source=scripts/ros-env.sh
source scripts/ros-env.sh ""  # not "$@": its first argument is the ROS dir
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export ROS_DOMAIN_ID="${ROS_DOMAIN_ID:-$(( 100 + RANDOM % 100 ))}"
exec "${ONEFLOW_ROS_DIR}/venv/bin/python" test/ros/live/sigint_repro.py "$@"
