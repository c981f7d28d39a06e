# syntax=docker/dockerfile:1
# OneFlow policy node on ROS 2 Jazzy (Ubuntu 24.04 noble). Not built in CI (no Docker engine there); reviewed line
# by line — see docs/deploy.md "Docker". Build from the repository root:
#   docker build -t oneflow:latest .
# Run (host network for DDS discovery, host IPC for Fast DDS shared memory, a model mounted read-only):
#   docker run --rm -it --network host --ipc host -v "$PWD/models:/models:ro" \
#     oneflow:latest model:=/models/<name>.onnx metrics_port:=9464
# Arguments of the form name:=value go to `ros2 launch oneflow policy.launch.py`; anything else is executed as a
# command inside the sourced environment (e.g. `bash`, or `ros2 launch oneflow bag_demo.launch.py bag:=...`).

ARG ROS_DISTRO=jazzy
# rclnodejs 2.x needs Node >= 20.20.2; its one N-API prebuild also runs on Node 22/24.
ARG NODE_VERSION=20.20.2

# ---- Node.js: taken from the official image (built for glibc 2.28; noble has 2.39). Ubuntu's nodejs is 18.x.
FROM node:${NODE_VERSION}-bookworm-slim AS node

# ---- Build: interfaces with colcon, npm install against the sourced ROS, TypeScript build, ament install.
FROM ros:${ROS_DISTRO} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
# onnxruntime-node's postinstall would download CUDA/TensorRT providers from nuget; the node runs on the CPU.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# 1. oneflow_msgs (ActionChunk) into /opt/oneflow, so rclnodejs can generate its JS from the sourced prefix.
WORKDIR /ws
COPY msgs/oneflow_msgs /ws/msgs/oneflow_msgs
RUN source /opt/ros/${ROS_DISTRO}/setup.bash \
 && colcon build --merge-install --install-base /opt/oneflow --base-paths /ws/msgs \
      --event-handlers console_direct+ --cmake-args -DBUILD_TESTING=OFF

# 2. npm ci with ROS and oneflow_msgs sourced: rclnodejs (an optionalDependency) picks its jazzy-noble prebuild
#    because ROS_DISTRO is set and /etc/os-release says noble; its postinstall generates JS for every interface on
#    AMENT_PREFIX_PATH. npm's `prepare` script runs tsc, so the sources come first.
WORKDIR /ws/oneflow
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
RUN source /opt/ros/${ROS_DISTRO}/setup.bash && source /opt/oneflow/setup.bash \
 && npm ci \
 && npm run build \
 && test -f dist/src/cli.js
# An optionalDependency fails silently; here it must not. Load it and (re)generate the message JS deterministically,
# then check that ActionChunk is there.
RUN source /opt/ros/${ROS_DISTRO}/setup.bash && source /opt/oneflow/setup.bash \
 && node -e "require('rclnodejs')" \
 && npx generate-ros-messages \
 && ls node_modules/rclnodejs/generated | grep -qx oneflow_msgs

# 3. Drop dev dependencies (typescript, @types) and onnxruntime's binaries for other platforms (~245 MB of 290),
#    then install the package with ament into the same prefix.
# The rest of the (allow-listed, see .dockerignore) context: package.xml, CMakeLists.txt, launch/, config/, scripts/
# and models/ when the checkout has any (git keeps no empty directory, so no `COPY models` that could fail).
COPY . ./
RUN npm prune --omit=dev \
 && arch="$(node -p process.arch)" \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && for d in node_modules/onnxruntime-node/bin/napi-v*/linux/*; do [[ "${d##*/}" == "${arch}" ]] || rm -rf "${d}"; done \
 && test -n "$(ls node_modules/onnxruntime-node/bin/napi-v*/linux/${arch}/onnxruntime_binding.node)" \
 && source /opt/ros/${ROS_DISTRO}/setup.bash && source /opt/oneflow/setup.bash \
 && colcon build --merge-install --install-base /opt/oneflow --base-paths /ws/oneflow \
      --event-handlers console_direct+ \
 && test -x /opt/oneflow/lib/oneflow/policy_node \
 && test -f /opt/oneflow/share/oneflow/launch/policy.launch.py

# ---- Runtime: the same ROS base (ros2 launch, ros2 bag for the demo), Node, and /opt/oneflow. No sources.
FROM ros:${ROS_DISTRO} AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=build /opt/oneflow /opt/oneflow
COPY scripts/docker-entrypoint.sh /usr/local/bin/oneflow-entrypoint
ENV ONEFLOW_METRICS_PORT=9464
EXPOSE 9464
# /healthz is served by the node's metrics server; Node 20 has fetch, so no curl is needed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.ONEFLOW_METRICS_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
WORKDIR /opt/oneflow/share/oneflow
ENTRYPOINT ["/usr/local/bin/oneflow-entrypoint"]
CMD []
