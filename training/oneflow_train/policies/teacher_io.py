"""Rebuild a `TeacherPolicy` from a checkpoint's config, normaliser and weights (registered in checkpoint.py)."""
from __future__ import annotations

from typing import Any

import torch

from ..data.normalizer import Normalizer
from .teacher import TeacherPolicy
from .teacher_config import TeacherConfig


def build_teacher(config: dict[str, Any], normalizer: Normalizer, state: dict[str, torch.Tensor]) -> TeacherPolicy:
    policy = TeacherPolicy(TeacherConfig.from_dict(config["policy"]), normalizer)
    policy.load_state_dict(state, strict=True)
    return policy
