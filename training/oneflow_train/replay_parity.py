"""Parity of `oneflow replay` with onnxruntime in Python, rebuilt independently from the bags.

For every fresh (non-fallback) ActionChunk in a replay output bag, this rebuilds the policy inputs from the INPUT
bag with its own code — the To observation frames at t_obs - (To-1-k)*obs_interval (t_obs = the chunk's header
stamp), each source's sample nearest that time, yaw from the quaternion — draws the noise of t_obs with the Python
twin of src/policy/noise.ts (the noise index is a function of the chunk's observation stamp, never of the tick
count, so this holds for any bag and for chunks recorded from a live node), runs the ONNX file with onnxruntime, and
compares the published rows with the matching rows of the model output.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

M = 0xFFFFFFFF
GOLDEN = 0x9E3779B9


def _fmix32(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M
    h ^= h >> 16
    return h


def noise_index_of_stamp(stamp_ns: int) -> int:
    """Twin of src/policy/noise.ts noiseIndexOfStamp: the noise index of an inference on observations stamped t_obs."""
    t = stamp_ns & 0xFFFFFFFFFFFFFFFF
    return _fmix32(_fmix32((t >> 32) ^ GOLDEN) ^ (t & M))


def gaussian_noise(seed: int, index: int, n: int) -> np.ndarray:
    """Twin of src/policy/noise.ts fillGaussianNoise (counter-based; float64 Box-Muller, stored float32)."""
    key = _fmix32(_fmix32((seed ^ GOLDEN) & M) ^ index)
    m = n + (n % 2)
    u = np.array([(_fmix32((key + (j + 1) * GOLDEN) & M) + 0.5) / 2**32 for j in range(m)])
    r = np.sqrt(-2.0 * np.log(u[0::2]))
    theta = 2.0 * np.pi * u[1::2]
    z = np.empty(m)
    z[0::2] = r * np.cos(theta)
    z[1::2] = r * np.sin(theta)
    return z[:n].astype(np.float32)


def policy_metadata(model_path: str | Path) -> dict:
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    for prop in model.metadata_props:
        if prop.key == "oneflow.policy":
            return json.loads(prop.value)
    raise ValueError(f"{model_path} has no oneflow.policy metadata")


def _stamp(msg) -> int:
    return int(msg.header.stamp.sec) * 1_000_000_000 + int(msg.header.stamp.nanosec)


def _nearest(stamps: np.ndarray, t: int) -> int:
    """Index of the sample nearest t among sorted stamps (ties -> the older one), clamped to the ends."""
    i = int(np.searchsorted(stamps, t))
    if i == 0:
        return 0
    if i == len(stamps):
        return len(stamps) - 1
    return i - 1 if t - stamps[i - 1] <= stamps[i] - t else i


def _pose_component(name: str, order: int) -> int:
    if name.endswith("_x") or name == "x":
        return 0
    if name.endswith("_y") or name == "y":
        return 1
    if name.split("_")[-1] in ("yaw", "theta", "angle"):
        return 2
    return min(order, 2)


@dataclass
class ParityReport:
    chunks_compared: int
    max_abs_diff: float  # raw action units (Push-T px)
    max_abs_diff_normalised: float  # in the [-1, 1] units of action.low/high (the contract's parity unit)
    rows_compared: int

    def to_dict(self) -> dict:
        return {"chunks_compared": self.chunks_compared, "rows_compared": self.rows_compared,
                "max_abs_diff": self.max_abs_diff, "max_abs_diff_normalised": self.max_abs_diff_normalised}


def replay_parity(input_bag: str | Path, output_bag: str | Path, model_path: str | Path, seed: int,
                  topics: dict[str, str] | None = None) -> ParityReport:
    import onnxruntime as ort

    from oneflow_train.bags import read_bag

    topics = topics or {"joint_states": "/joint_states", "object_pose": "/object_pose", "camera": "/camera/image_raw"}
    meta = policy_metadata(model_path)
    obs = meta["observation"]
    to = int(obs["n_obs_steps"])
    interval_ns = int(round(float(obs["obs_interval_s"]) * 1e9))
    names, sources = obs["state"]["names"], obs["state"]["sources"]
    joint_names = [n for n, s in zip(names, sources) if s == "joint_states"]
    pose_names = [n for n, s in zip(names, sources) if s == "object_pose"]
    noise_shape = tuple(int(d) for d in meta["noise"]["shape"])
    meta_offset = int(meta["action"]["first_step_offset"])

    samples: dict[str, tuple[list[int], list[np.ndarray]]] = {k: ([], []) for k in topics}
    wanted = {v: k for k, v in topics.items()}
    for topic, _, _, msg in read_bag(input_bag, list(topics.values())):
        src = wanted[topic]
        if src == "joint_states":
            value = np.array([msg.position[list(msg.name).index(n)] for n in joint_names], dtype=np.float64)
        elif src == "object_pose":
            p, q = msg.pose.position, msg.pose.orientation
            yaw = math.atan2(2 * (q.w * q.z + q.x * q.y), q.w * q.w + q.x * q.x - q.y * q.y - q.z * q.z)
            value = np.array([p.x, p.y, yaw], dtype=np.float64)
        else:
            value = np.asarray(msg.data, dtype=np.uint8).reshape(msg.height, msg.width, 3)
        samples[src][0].append(_stamp(msg))
        samples[src][1].append(value)
    stamps = {k: np.array(v[0], dtype=np.int64) for k, v in samples.items()}

    opts = ort.SessionOptions()  # the node's default threading (intraOpThreads 1): same reduction order
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
    input_names = {i.name for i in session.get_inputs()}
    half_range = (np.asarray(meta["action"]["high"], dtype=np.float64) - np.asarray(meta["action"]["low"], dtype=np.float64)) / 2
    worst, worst_norm, n_chunks, n_rows = 0.0, 0.0, 0, 0
    for _, _, ns, chunk in read_bag(output_bag, ["/oneflow/action_chunk"]):
        if chunk.fallback:
            continue
        t_obs = _stamp(chunk)
        state = np.zeros((1, to, len(names)), dtype=np.float32)
        image = None
        if obs.get("image"):
            h, w = int(obs["image"]["height"]), int(obs["image"]["width"])
            image = np.zeros((1, to, h, w, 3), dtype=np.uint8)
        for k in range(to):
            t = t_obs - (to - 1 - k) * interval_ns
            for i, (name, src) in enumerate(zip(names, sources)):
                value = samples[src][1][_nearest(stamps[src], t)]
                state[0, k, i] = value[joint_names.index(name)] if src == "joint_states" else \
                    value[_pose_component(name, pose_names.index(name))]
            if image is not None:
                image[0, k] = samples["camera"][1][_nearest(stamps["camera"], t)]
        noise = gaussian_noise(seed, noise_index_of_stamp(t_obs), int(np.prod(noise_shape))).reshape(noise_shape)
        feeds = {"state": state, "noise": noise}
        if "image" in input_names:
            feeds["image"] = image
        action = session.run(["action"], feeds)[0][0].astype(np.float64)  # (Ha, Da)
        da = action.shape[1]
        published = np.asarray(chunk.data, dtype=np.float64).reshape(int(chunk.horizon), da)
        k0 = int(chunk.first_step_offset) - meta_offset
        if int(chunk.horizon) == 1 and k0 + 1 > action.shape[0]:
            k0 = action.shape[0] - 1  # every row was due: the node sent the last one a step later (docs/node.md §3)
        expected = action[k0:k0 + int(chunk.horizon)]
        if expected.shape != published.shape:
            raise ValueError(f"chunk at {ns} ns: rows {k0}..{k0 + int(chunk.horizon)} do not fit the model's {action.shape}")
        worst = max(worst, float(np.max(np.abs(expected - published))))
        worst_norm = max(worst_norm, float(np.max(np.abs(expected - published) / half_range)))
        n_chunks += 1
        n_rows += published.shape[0]
    return ParityReport(chunks_compared=n_chunks, max_abs_diff=worst, max_abs_diff_normalised=worst_norm,
                        rows_compared=n_rows)


if __name__ == "__main__":
    import sys

    inp, out, model, seed = sys.argv[1:5]
    print(json.dumps(replay_parity(inp, out, model, int(seed)).to_dict()))
