"""Cosine learning-rate schedule with linear warm-up (diffusers `get_cosine_schedule_with_warmup`, num_cycles 0.5)."""
from __future__ import annotations

import math

import torch


def cosine_with_warmup(step: int, warmup_steps: int, total_steps: int) -> float:
    """Multiplier of the base LR at `step`: step/warmup during warm-up, then 0.5·(1 + cos(π·progress))."""
    if step < warmup_steps:
        return step / max(1, warmup_steps)
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def make_lr_scheduler(optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int):
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: cosine_with_warmup(s, warmup_steps, total_steps))
