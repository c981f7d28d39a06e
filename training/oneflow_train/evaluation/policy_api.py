"""The one interface through which every policy is evaluated.

A policy sees raw observations and is handed its noise; it returns a raw action chunk. The evaluator draws each
episode's noise from `np.random.default_rng(seed)` (seed = the episode's env seed), one
`rng.standard_normal(noise_shape).astype(np.float32)` draw per policy call, in call order — so an ONNX file and the
checkpoint it was exported from see identical noise, and batching episodes together changes nothing.

Optional extension: a policy with `needs_episode_context = True` is called as
`predict(state, image, noise, seeds=(B,) int array, steps=(B,) int array of env steps already taken)`; only open-loop
baselines (demo replay) use it.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class EvalPolicy(Protocol):
    n_obs_steps: int  # To = 2
    n_action_steps: int  # 8 executed per call
    horizon: int  # Ha = 16
    noise_shape: tuple[int, ...]  # per-sample (S, Ha, Da); S=1 for one-step/ODE samplers, S=100 for DDPM-100
    uses_image: bool

    def predict(self, state: np.ndarray, image: np.ndarray | None, noise: np.ndarray) -> np.ndarray:
        """state (B,To,5) float32 raw, image (B,To,96,96,3) uint8 or None, noise (B,*noise_shape) float32
        -> action (B,Ha,2) float32 raw units; the evaluator executes action[:, To-1 : To-1+n_action_steps]."""
        ...


def check_policy(policy) -> None:
    """Validate the interface once, before any episode runs; raises ValueError naming the field and value."""
    for name in ("n_obs_steps", "n_action_steps", "horizon", "noise_shape", "uses_image", "predict"):
        if not hasattr(policy, name):
            raise ValueError(f"{type(policy).__name__} lacks EvalPolicy attribute {name!r}")
    if policy.n_obs_steps < 1:
        raise ValueError(f"n_obs_steps={policy.n_obs_steps} must be >= 1")
    if policy.n_action_steps < 1:
        raise ValueError(f"n_action_steps={policy.n_action_steps} must be >= 1")
    if policy.n_obs_steps - 1 + policy.n_action_steps > policy.horizon:
        raise ValueError(
            f"n_obs_steps-1+n_action_steps={policy.n_obs_steps - 1 + policy.n_action_steps} exceeds horizon={policy.horizon}"
        )


def policy_name(policy) -> str:
    return str(getattr(policy, "name", type(policy).__name__))
