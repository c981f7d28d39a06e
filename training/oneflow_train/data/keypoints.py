"""DP's 9 Push-T block keypoints, as a rigid transform of the block pose (numpy and torch).

Diffusion Policy picks the 9 keypoints once by farthest-point sampling over the rendered T mask and stores them in
block-local coordinates (`PymunkKeypointManager`); the world keypoints are `block_pos + R(block_angle) @ local`.
The local coordinates below were recovered from the recorded `data/keypoint` and `data/state` arrays of
pusht_cchi_v7_replay.zarr: local = R(-angle) (keypoint - block_pos), averaged over the 19,648 frames where the
frame's keypoints and state agree to 1e-3 px. Conventions: pixels, y points down, block position = the body origin
(top-centre of the T's bar, not the centre of gravity), angle in radians (the dataset stores it mod 2*pi; any
representative works). In frames where the agent touches the block the recorded keypoints and state disagree by
up to ~2 px (see docs/pusht_env.md): the recorded keypoints are an exact rigid transform of these local points,
but of a slightly different pose.
"""
from __future__ import annotations

from typing import TypeVar

import numpy as np

try:  # torch is optional for this module
    import torch
except ImportError:  # pragma: no cover
    torch = None

BLOCK_KEYPOINTS_LOCAL = np.array(
    [
        [9.26978706, 90.04097369],
        [-60.98347165, -1.18672963],
        [60.91275603, -1.39336429],
        [-0.27050307, 25.54362515],
        [-14.06492691, 122.81585361],
        [39.00273858, 32.85740412],
        [-39.96641411, 32.72965556],
        [-16.82434387, 62.86317914],
        [23.54146149, -1.70028803],
    ],
    dtype=np.float64,
)
"""(9, 2) block-local keypoints in pixels, DP's order."""

KEYPOINT_OBS_DIM = 20
"""Keypoint-policy observation per step: 9 keypoints flattened (18) then agent xy (2) — DP's `pusht_lowdim` order."""

Array = TypeVar("Array")


def keypoints_from_state(state: Array) -> Array:
    """state (..., 5) = [agent_x, agent_y, block_x, block_y, block_angle] -> world keypoints (..., 9, 2).

    Accepts numpy arrays or torch tensors; the result has the input's type, dtype and device.
    """
    if torch is not None and isinstance(state, torch.Tensor):
        local = torch.as_tensor(BLOCK_KEYPOINTS_LOCAL, dtype=state.dtype, device=state.device)
        cos, sin = torch.cos(state[..., 4:5]), torch.sin(state[..., 4:5])  # (..., 1)
        stack = torch.stack
    else:
        state = np.asarray(state)
        dtype = state.dtype if np.issubdtype(state.dtype, np.floating) else np.float64
        state = state.astype(dtype, copy=False)
        local = BLOCK_KEYPOINTS_LOCAL.astype(dtype)
        cos, sin = np.cos(state[..., 4:5]), np.sin(state[..., 4:5])
        stack = np.stack
    lx, ly = local[:, 0], local[:, 1]  # (9,)
    x = state[..., 2:3] + cos * lx - sin * ly  # (..., 9)
    y = state[..., 3:4] + sin * lx + cos * ly
    return stack([x, y], -1)


def keypoint_obs_from_state(state: Array) -> Array:
    """state (..., 5) -> DP keypoint observation (..., 20) = concat(keypoints.flatten() (18), agent_xy (2))."""
    kp = keypoints_from_state(state)
    flat = kp.reshape(*kp.shape[:-2], 18)
    if torch is not None and isinstance(state, torch.Tensor):
        return torch.cat([flat, state[..., :2]], -1)
    return np.concatenate([flat, np.asarray(state)[..., :2].astype(flat.dtype)], -1)


def local_keypoints_from_recorded(state: np.ndarray, keypoint: np.ndarray) -> np.ndarray:
    """Invert the transform: recorded state (N, 5) and keypoints (N, 9, 2) -> block-local keypoints (N, 9, 2)."""
    state = np.asarray(state, np.float64)
    d = np.asarray(keypoint, np.float64) - state[:, None, 2:4]
    cos, sin = np.cos(state[:, 4:5]), np.sin(state[:, 4:5])
    return np.stack([cos * d[..., 0] + sin * d[..., 1], -sin * d[..., 0] + cos * d[..., 1]], -1)
