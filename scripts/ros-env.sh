# Source me (bash): the environment of the project's ROS 2 Kilted-from-PyPI install made by scripts/ros-setup.sh —
# what `source /opt/ros/<distro>/setup.bash && source install/setup.bash` would give on a full ROS 2 install.
#
#   source scripts/ros-env.sh [ROS_DIR]       # ROS_DIR default: $ONEFLOW_ROS_DIR, else <repo>/.ros
#
# The wheels' venv is the ROS prefix (include/, lib/, share/ament_index); the venv's `.pth` bootstrapper sets
# LD_LIBRARY_PATH only for Python, so Node (rclnodejs) and CMake need it set here (runtime.md §9). The wheels'
# librcl*.so link the *_rosidl_generator_py libraries, which need libpython's symbols in the process: without the
# LD_PRELOAD below rclnodejs' addon fails with `undefined symbol: PyExc_RuntimeError` — and rclnodejs then deletes
# its own addon and tries to rebuild it (scripts/ros-node/README.md). Safe under `set -u`.
_oneflow_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ONEFLOW_ROS_DIR="$(realpath -m "${1:-${ONEFLOW_ROS_DIR:-${_oneflow_repo}/.ros}}")"
export ONEFLOW_ROS_DIR
_oneflow_venv="${ONEFLOW_ROS_DIR}/venv"
_oneflow_ws="${ONEFLOW_ROS_DIR}/ws/install"
_oneflow_py="$(ls -d "${_oneflow_venv}"/lib/python3.* 2>/dev/null | head -n 1)"
_oneflow_libs="${_oneflow_ws}/lib:${_oneflow_venv}/lib"
for _oneflow_d in "${_oneflow_py}"/site-packages/ros_*.libs; do
  [[ -d "${_oneflow_d}" ]] && _oneflow_libs="${_oneflow_libs}:${_oneflow_d}"
done
export LD_LIBRARY_PATH="${_oneflow_libs}${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
export AMENT_PREFIX_PATH="${_oneflow_ws}:${_oneflow_venv}"
export CMAKE_PREFIX_PATH="${_oneflow_ws}:${_oneflow_venv}"
export PYTHONPATH="${_oneflow_ws}/lib/${_oneflow_py##*/}/site-packages${PYTHONPATH:+:${PYTHONPATH}}"
export PATH="${_oneflow_venv}/bin:${PATH}"
# Written by ros-setup.sh: the libpython the venv's interpreter was built against (Debian: libpython3.11.so.1.0).
if [[ -f "${ONEFLOW_ROS_DIR}/libpython" ]]; then
  export LD_PRELOAD="$(cat "${ONEFLOW_ROS_DIR}/libpython")${LD_PRELOAD:+:${LD_PRELOAD}}"
fi
export _ROS_WHEELS_BOOTSTRAP_COMPLETE=1
export RMW_IMPLEMENTATION=rmw_fastrtps_cpp   # the only RMW on PyPI
export ROS_DISTRO=kilted
export ROS_VERSION=2
export ROS_PYTHON_VERSION=3
# rclnodejs built against this prefix lives in its own node_modules (never the main one).
export ONEFLOW_RCLNODEJS_DIR="${ONEFLOW_ROS_DIR}/node/node_modules"
unset _oneflow_repo _oneflow_venv _oneflow_ws _oneflow_py _oneflow_libs _oneflow_d
