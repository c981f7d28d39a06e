"""Diffusion Policy's sequence sampling and train/val split (`diffusion_policy/common/sampler.py` semantics).

A training sample is `horizon` consecutive frames of one episode. Windows may start up to `pad_before` frames before
the episode and end up to `pad_after` frames after it; the missing frames repeat the episode's first / last frame.
DP uses pad_before = n_obs_steps - 1 and pad_after = n_action_steps - 1.
"""
from __future__ import annotations

import numpy as np


def create_indices(
    episode_ends: np.ndarray, sequence_length: int, episode_mask: np.ndarray, pad_before: int = 0, pad_after: int = 0
) -> np.ndarray:
    """(n_samples, 4) int64 rows [buffer_start, buffer_end, sample_start, sample_end], exactly as DP's create_indices."""
    pad_before = min(max(pad_before, 0), sequence_length - 1)
    pad_after = min(max(pad_after, 0), sequence_length - 1)
    rows = []
    for i, end in enumerate(episode_ends):
        if not episode_mask[i]:
            continue
        start = int(episode_ends[i - 1]) if i > 0 else 0
        length = int(end) - start
        for idx in range(-pad_before, length - sequence_length + pad_after + 1):
            buffer_start = max(idx, 0) + start
            buffer_end = min(idx + sequence_length, length) + start
            start_offset = buffer_start - (idx + start)
            end_offset = (idx + sequence_length + start) - buffer_end
            rows.append([buffer_start, buffer_end, start_offset, sequence_length - end_offset])
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


def frame_indices(indices: np.ndarray, sequence_length: int) -> np.ndarray:
    """DP index rows -> (n_samples, sequence_length) buffer frame per sample step, edge frames repeated.

    Gathering `array[frame_indices]` equals DP's `sample_sequence` (data[:sample_start] = first frame,
    data[sample_end:] = last frame, the middle copied)."""
    buffer_start, buffer_end, sample_start, _ = indices.T
    steps = np.arange(sequence_length)[None, :] - sample_start[:, None] + buffer_start[:, None]
    return np.clip(steps, buffer_start[:, None], buffer_end[:, None] - 1)


def get_val_mask(n_episodes: int, val_ratio: float, seed: int = 0) -> np.ndarray:
    """DP: at least 1 val and 1 train episode; val chosen by default_rng(seed).choice."""
    val_mask = np.zeros(n_episodes, dtype=bool)
    if val_ratio <= 0:
        return val_mask
    n_val = min(max(1, round(n_episodes * val_ratio)), n_episodes - 1)
    val_mask[np.random.default_rng(seed=seed).choice(n_episodes, size=n_val, replace=False)] = True
    return val_mask


def downsample_mask(mask: np.ndarray, max_n: int | None, seed: int = 0) -> np.ndarray:
    """DP: keep a default_rng(seed) subset of max_n of the True entries."""
    if max_n is None or mask.sum() <= max_n:
        return mask
    current = np.nonzero(mask)[0]
    keep = current[np.random.default_rng(seed=seed).choice(len(current), size=int(max_n), replace=False)]
    out = np.zeros_like(mask)
    out[keep] = True
    return out


def split_episodes(
    n_episodes: int, max_train_episodes: int | None = 90, val_ratio: float = 0.02, seed: int = 42, use_all: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, val_idx), sorted episode indices. DP defaults: 206 -> 90 train, 4 val (seed 42).

    use_all=True trains on every episode and has no validation episodes."""
    if use_all:
        return np.arange(n_episodes), np.zeros(0, dtype=np.int64)
    val_mask = get_val_mask(n_episodes, val_ratio, seed)
    train_mask = downsample_mask(~val_mask, max_train_episodes, seed)
    return np.nonzero(train_mask)[0], np.nonzero(val_mask)[0]
