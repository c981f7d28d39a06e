#!/usr/bin/env bash
# Entrypoint of the oneflow image: source ROS 2 and the oneflow prefix, then
#   - no arguments, or only name:=value / -options -> ros2 launch oneflow policy.launch.py <arguments>
#     (so `docker run oneflow --show-args` lists the launch arguments)
#   - anything else                              -> run it as a command (bash, ros2 ..., node ...)
# The metrics port comes from ONEFLOW_METRICS_PORT (default 9464, also what the image's HEALTHCHECK asks) unless a
# metrics_port:= argument is given; set `-e ONEFLOW_METRICS_PORT=N` rather than metrics_port:=N so both agree.
set -eo pipefail
# (ONEFLOW_ROS_SETUP / ONEFLOW_SETUP exist for test/ros/launch.test.ts; the image uses the defaults.)
# shellcheck disable=SC1090
source "${ONEFLOW_ROS_SETUP:-/opt/ros/${ROS_DISTRO:?ROS_DISTRO is not set}/setup.bash}"
# shellcheck disable=SC1090
source "${ONEFLOW_SETUP:-/opt/oneflow/setup.bash}"
set -u

launch_args=true
port_given=false
for arg in "$@"; do
  if [[ "${arg}" != *:=* && "${arg}" != -* ]]; then launch_args=false; fi
  if [[ "${arg}" == metrics_port:=* ]]; then port_given=true; fi
done

if [[ "${launch_args}" == true ]]; then
  if [[ "${port_given}" == false && -n "${ONEFLOW_METRICS_PORT:-}" ]]; then
    set -- "$@" "metrics_port:=${ONEFLOW_METRICS_PORT}"
  fi
  exec ros2 launch oneflow policy.launch.py "$@"
fi
exec "$@"
