"""Training data for teachers: DP split, normaliser fit, fast batch gather, and a zarr-free `.npz` copy.

The normaliser is fit on the WHOLE buffer, as DP does (pusht.md §2.3): key "obs" (keypoint 20-d or state 5-d
features) or "agent_pos" (image policies), and "action". Batches gather only the To observation frames of images.

`.npz` export (`oneflow-train train-teacher --export-npz FILE [--with-images]`) stores the replay buffer's raw
arrays so a machine without zarr can train (`--data-npz FILE`); images as uint8, compressed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .data.dataset import PushTSequenceDataset
from .data.normalizer import Normalizer
from .data.replay_buffer import ReplayBuffer, export_npz, load_npz, load_replay_buffer
from .data.sampler import split_episodes
from .policies.teacher import OBS_KEY, obs_features_raw
from .policies.teacher_config import TeacherConfig

__all__ = ["TeacherData", "export_npz", "fit_normalizer", "load_buffer", "load_npz", "make_teacher_data"]

def load_buffer(zarr_path: str | None, npz_path: str | None) -> ReplayBuffer:
    return load_npz(npz_path) if npz_path else load_replay_buffer(zarr_path)


def fit_normalizer(config: TeacherConfig, buffer: ReplayBuffer) -> Normalizer:
    feats = obs_features_raw(config.obs_type, buffer.state.astype(np.float64))
    return Normalizer().fit({OBS_KEY[config.obs_type]: feats, "action": buffer.action})


@dataclass
class TeacherData:
    dataset: PushTSequenceDataset
    train_episodes: np.ndarray
    val_episodes: np.ndarray
    val_dataset: PushTSequenceDataset | None
    n_obs_steps: int

    def __len__(self) -> int:
        return len(self.dataset)

    def batch(self, idx: np.ndarray, val: bool = False) -> dict[str, torch.Tensor]:
        ds = self.val_dataset if val else self.dataset
        frames = torch.from_numpy(ds.frames[np.asarray(idx)])  # (B, Ha)
        out = {"state": ds._state[frames], "action": ds._action[frames]}
        if ds.with_image:
            out["image"] = torch.from_numpy(ds.buffer.images[frames[:, : self.n_obs_steps].numpy()])
        return out


def make_teacher_data(config: TeacherConfig, buffer: ReplayBuffer, max_train_episodes: int | None = 90,
                      val_ratio: float = 0.02, split_seed: int = 42, episodes: list[int] | None = None) -> TeacherData:
    """DP split of `buffer` (or an explicit episode list, for tests) -> sequence datasets for train/val."""
    if config.uses_image and buffer._images is None and buffer.path.suffix == ".npz":
        raise ValueError(f"{buffer.path}: this npz has no images; export it with --export-npz FILE --with-images")
    if episodes is not None:
        train_idx, val_idx = np.asarray(episodes, np.int64), np.zeros(0, np.int64)
    else:
        train_idx, val_idx = split_episodes(buffer.n_episodes, max_train_episodes, val_ratio, split_seed)
    kw = dict(horizon=config.horizon, n_obs_steps=config.n_obs_steps, n_action_steps=config.n_action_steps,
              with_image=False)
    ds = PushTSequenceDataset(buffer, train_idx, **kw)
    val = PushTSequenceDataset(buffer, val_idx, **kw) if len(val_idx) else None
    for d in (ds, val):  # images are gathered by `TeacherData.batch` (obs frames only), not by the dataset
        if d is not None:
            d.with_image = config.uses_image
    return TeacherData(ds, train_idx, val_idx, val, config.n_obs_steps)
