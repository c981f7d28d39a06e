"""Parity between an exported ONNX policy and its PyTorch policy: the same inputs through onnxruntime and through
the policy's own sampler, compared in normalised action units (the contract's 1e-4), on real Push-T windows."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from .export import STUDENT_STEPS, teacher_of


def onnx_predict(path: str | Path, state: np.ndarray, noise: np.ndarray, image: np.ndarray | None = None,
                 threads: int = 1) -> np.ndarray:
    """Runs an exported policy with onnxruntime on a batch by looping over it (the graph has batch 1)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    Ds = next(i.shape[-1] for i in sess.get_inputs() if i.name == "state")
    out = []
    for b in range(state.shape[0]):
        feeds = {"state": np.ascontiguousarray(state[b : b + 1, :, :Ds], np.float32),
                 "noise": np.ascontiguousarray(noise[b : b + 1], np.float32)}
        if "image" in names:
            if image is None:
                raise ValueError(f"{path} is an image policy: pass `image`")
            feeds["image"] = np.ascontiguousarray(image[b : b + 1], np.uint8)
        out.append(sess.run(["action"], feeds)[0])
    return np.concatenate(out, 0)


def torch_predict(policy: nn.Module, sampler: str, state: np.ndarray, noise: np.ndarray,
                  image: np.ndarray | None = None) -> np.ndarray:
    """The PyTorch policy's own sampler on the same inputs (the parity reference)."""
    s = torch.as_tensor(state, dtype=torch.float32)
    n = torch.as_tensor(noise, dtype=torch.float32)
    img = None if image is None else torch.as_tensor(image)
    with torch.no_grad():
        if sampler in STUDENT_STEPS:
            return policy.eval().sample(s, img, n, STUDENT_STEPS[sampler]).numpy()
        return policy.eval().sample(s, img, n, sampler).numpy()


def normalised_action_error(policy: nn.Module, a: np.ndarray, b: np.ndarray) -> float:
    """max |normalise(a) - normalise(b)| in the policy's normalised action units ([-1, 1] range)."""
    scale = teacher_of(policy).action_scale.detach().numpy().astype(np.float64)
    return float(np.max(np.abs((a.astype(np.float64) - b.astype(np.float64)) * scale)))


def dataset_observations(n: int, n_obs_steps: int = 2, with_image: bool = False, seed: int = 0,
                         zarr_path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """`n` real Push-T observation windows (n, To, 5) float32 raw (+ images (n, To, 96, 96, 3) uint8): To
    consecutive frames from episodes and offsets drawn with `seed` (the parity inputs)."""
    from .data.replay_buffer import load_replay_buffer

    buf = load_replay_buffer(zarr_path)
    rng = np.random.default_rng(seed)
    starts, lengths = buf.episode_starts, buf.episode_lengths
    eps = rng.choice(len(starts), size=n, replace=len(starts) < n)
    frames = [int(starts[e] + rng.integers(0, lengths[e] - n_obs_steps + 1)) for e in eps]
    state = np.stack([buf.state[f : f + n_obs_steps] for f in frames]).astype(np.float32)
    image = np.stack([buf.read_images(f, f + n_obs_steps) for f in frames]).astype(np.uint8) if with_image else None
    return state, image
