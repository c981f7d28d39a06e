"""`PushTSequenceDataset`: DP-padded (horizon, ...) windows of the Push-T demonstrations, in raw units."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .replay_buffer import ReplayBuffer
from .sampler import create_indices, frame_indices


class PushTSequenceDataset(torch.utils.data.Dataset):
    """Items: dict of tensors — `state` float32 (horizon, 5), `action` float32 (horizon, 2), and when with_image
    `image` uint8 (horizon, 96, 96, 3) HWC RGB. Raw units (pixels, radians); normalise in the policy.

    Windows follow DP's SequenceSampler with pad_before = n_obs_steps - 1 and pad_after = n_action_steps - 1, so
    the first sample of an episode has its first n_obs_steps-1 steps repeating frame 0, and the last has its final
    n_action_steps-1 steps repeating the last frame.
    """

    def __init__(
        self,
        buffer: ReplayBuffer,
        episodes: Sequence[int] | np.ndarray,
        horizon: int = 16,
        n_obs_steps: int = 2,
        n_action_steps: int = 8,
        with_image: bool = False,
    ):
        if horizon < n_obs_steps - 1 + n_action_steps:
            raise ValueError(f"horizon={horizon} < n_obs_steps-1+n_action_steps={n_obs_steps - 1 + n_action_steps}")
        episodes = np.asarray(episodes, dtype=np.int64)
        if episodes.size and (episodes.min() < 0 or episodes.max() >= buffer.n_episodes):
            raise ValueError(f"episodes must lie in [0, {buffer.n_episodes}), got min {episodes.min()} max {episodes.max()}")
        mask = np.zeros(buffer.n_episodes, dtype=bool)
        mask[episodes] = True
        self.buffer = buffer
        self.episodes = np.sort(episodes)
        self.horizon, self.n_obs_steps, self.n_action_steps = horizon, n_obs_steps, n_action_steps
        self.with_image = with_image
        self.indices = create_indices(
            buffer.episode_ends, horizon, mask, pad_before=n_obs_steps - 1, pad_after=n_action_steps - 1
        )
        self.frames = frame_indices(self.indices, horizon)  # (N, horizon) buffer frame of every step
        self._state = torch.from_numpy(buffer.state)
        self._action = torch.from_numpy(buffer.action)
        self._image = torch.from_numpy(buffer.images) if with_image else None

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, idx: int) -> dict[str, torch.Tensor]:
        return self.get_batch(np.asarray([idx]), squeeze=True)

    def get_batch(self, idx: np.ndarray, squeeze: bool = False) -> dict[str, torch.Tensor]:
        """Vectorised gather of samples `idx` -> tensors with a leading batch dim (fast path for training loops)."""
        frames = torch.from_numpy(self.frames[np.asarray(idx)])
        out = {"state": self._state[frames], "action": self._action[frames]}
        if self._image is not None:
            out["image"] = self._image[frames]
        if squeeze:
            out = {k: v[0] for k, v in out.items()}
        return out

    def raw_arrays(self) -> dict[str, np.ndarray]:
        """Every frame of this dataset's episodes (no padding) — what a normaliser is fit on."""
        sel = np.concatenate([np.arange(*self.buffer.episode_slice(int(e)).indices(self.buffer.n_frames)) for e in self.episodes])
        return {"state": self.buffer.state[sel], "action": self.buffer.action[sel]}
