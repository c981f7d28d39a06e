"""Push-T demonstration episodes → rosbag2 MCAP bags, written with the PyPI `rosbags` library.

This is deliberately independent of our TypeScript writer (src/bag/), so that reading these bags in TypeScript and
reading the TypeScript node's output bags here cross-check two implementations of the same format.

Topics (all stamped at 10 Hz; header stamp == MCAP log time):
  /camera/image_raw  sensor_msgs/msg/Image            rgb8 96x96 (data/img, float 0..255 -> uint8)
  /joint_states      sensor_msgs/msg/JointState       names [agent_x, agent_y], positions = data/state[:, 0:2]
  /object_pose       geometry_msgs/msg/PoseStamped    frame "pusht": x, y = data/state[:, 2:4], yaw = state[:, 4]
  /teleop/action     sensor_msgs/msg/JointState       names [agent_x, agent_y], positions = data/action
Step i of an episode is stamped T0 + i * 100 ms with T0 = BAG_START_NS (fixed, so bags are reproducible).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BAG_START_NS = 1_700_000_000 * 1_000_000_000
CONTROL_HZ = 10.0
FRAME_ID = "pusht"
JOINT_NAMES = ("agent_x", "agent_y")
TOPICS = {
    "/camera/image_raw": "sensor_msgs/msg/Image",
    "/joint_states": "sensor_msgs/msg/JointState",
    "/object_pose": "geometry_msgs/msg/PoseStamped",
    "/teleop/action": "sensor_msgs/msg/JointState",
}


@dataclass(frozen=True)
class Episode:
    """One demonstration in raw units: img (T,96,96,3) uint8, state (T,5) float32, action (T,2) float32."""

    index: int
    img: np.ndarray
    state: np.ndarray
    action: np.ndarray


def load_episode(zarr_path: str | Path, index: int) -> Episode:
    """Read one episode straight from the DP zarr layout (data/{img,state,action}, meta/episode_ends)."""
    import zarr

    root = zarr.open(str(zarr_path), mode="r")
    ends = np.asarray(root["meta/episode_ends"][:], dtype=np.int64)
    if not 0 <= index < len(ends):
        raise ValueError(f"episode {index} does not exist: the dataset has episodes 0..{len(ends) - 1}")
    start = 0 if index == 0 else int(ends[index - 1])
    stop = int(ends[index])
    img = np.asarray(root["data/img"][start:stop])
    if img.dtype != np.uint8:
        if img.min() < 0 or img.max() > 255:
            raise ValueError(f"episode {index}: image values span [{img.min()}, {img.max()}], expected 0..255")
        img = np.rint(img).astype(np.uint8)
    return Episode(
        index=index,
        img=img,
        state=np.asarray(root["data/state"][start:stop], dtype=np.float32),
        action=np.asarray(root["data/action"][start:stop], dtype=np.float32),
    )


def _stamp(typestore, ns: int):
    time_cls = typestore.types["builtin_interfaces/msg/Time"]
    header_cls = typestore.types["std_msgs/msg/Header"]
    return header_cls(stamp=time_cls(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000), frame_id=FRAME_ID)


def write_episode_bag(episode: Episode, out_dir: str | Path, start_ns: int = BAG_START_NS) -> Path:
    """Write `episode` as a rosbag2 (version 9) MCAP bag directory; returns the directory."""
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import Stores, get_typestore

    ts = get_typestore(Stores.ROS2_JAZZY)
    t = ts.types
    out = Path(out_dir)
    if out.exists():
        raise FileExistsError(f"{out} already exists; remove it or choose another --out")
    n = len(episode.state)
    if not (len(episode.img) == len(episode.action) == n):
        raise ValueError(
            f"episode {episode.index}: img/state/action lengths differ ({len(episode.img)}, {n}, {len(episode.action)})"
        )
    height, width = int(episode.img.shape[1]), int(episode.img.shape[2])
    period_ns = int(round(1e9 / CONTROL_HZ))
    empty = np.zeros(0, dtype=np.float64)
    with Writer(out, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        conns = {topic: writer.add_connection(topic, msgtype, typestore=ts) for topic, msgtype in TOPICS.items()}
        for i in range(n):
            ns = start_ns + i * period_ns
            header = _stamp(ts, ns)
            img = t["sensor_msgs/msg/Image"](
                header=header, height=height, width=width, encoding="rgb8", is_bigendian=0, step=width * 3,
                data=np.ascontiguousarray(episode.img[i]).reshape(-1),
            )
            agent = t["sensor_msgs/msg/JointState"](
                header=header, name=list(JOINT_NAMES),
                position=episode.state[i, 0:2].astype(np.float64), velocity=empty, effort=empty,
            )
            yaw = float(episode.state[i, 4])
            pose = t["geometry_msgs/msg/PoseStamped"](
                header=header,
                pose=t["geometry_msgs/msg/Pose"](
                    position=t["geometry_msgs/msg/Point"](
                        x=float(episode.state[i, 2]), y=float(episode.state[i, 3]), z=0.0),
                    orientation=t["geometry_msgs/msg/Quaternion"](
                        x=0.0, y=0.0, z=math.sin(yaw / 2), w=math.cos(yaw / 2)),
                ),
            )
            action = t["sensor_msgs/msg/JointState"](
                header=header, name=list(JOINT_NAMES),
                position=episode.action[i].astype(np.float64), velocity=empty, effort=empty,
            )
            for topic, msg in (("/camera/image_raw", img), ("/joint_states", agent),
                               ("/object_pose", pose), ("/teleop/action", action)):
                writer.write(conns[topic], ns, ts.serialize_cdr(msg, TOPICS[topic]))
    return out


def read_bag(path: str | Path, topics: list[str] | None = None):
    """Yield (topic, msgtype, log_time_ns, message) from any rosbag2 bag (directory or .mcap), using rosbags.

    Types not in the ROS 2 Jazzy typestore (oneflow_msgs/msg/ActionChunk) are registered from the bag's own
    message definitions, so this reads what the TypeScript node writes without knowing our .msg files.
    """
    from rosbags.highlevel import AnyReader
    from rosbags.typesys import Stores, get_typestore

    with AnyReader([Path(path)], default_typestore=get_typestore(Stores.ROS2_JAZZY)) as reader:
        conns = [c for c in reader.connections if topics is None or c.topic in topics]
        for conn, ns, raw in reader.messages(connections=conns):
            yield conn.topic, conn.msgtype, ns, reader.deserialize(raw, conn.msgtype)
