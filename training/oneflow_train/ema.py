"""Exponential moving average of a model's parameters, with DP's warm-up decay (diffusers/DP `EMAModel`).

decay(step) = clamp(1 - (1 + step/inv_gamma)^-power, min_decay, max_decay), step = updates so far - update_after
(0 -> decay 0: the first update copies the model). DP: inv_gamma 1, power 0.75, max 0.9999. Buffers are copied.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class EmaConfig:
    inv_gamma: float = 1.0
    power: float = 0.75
    min_decay: float = 0.0
    max_decay: float = 0.9999
    update_after_step: int = 0


def ema_decay(optimization_step: int, cfg: EmaConfig = EmaConfig()) -> float:
    step = max(0, optimization_step - cfg.update_after_step - 1)
    if step <= 0:
        return 0.0
    value = 1 - (1 + step / cfg.inv_gamma) ** -cfg.power
    return max(cfg.min_decay, min(value, cfg.max_decay))


class Ema:
    def __init__(self, model: nn.Module, cfg: EmaConfig = EmaConfig()):
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.cfg = cfg
        self.optimization_step = 0
        self.decay = 0.0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.decay = ema_decay(self.optimization_step, self.cfg)
        for ema_p, p in zip(self.model.parameters(), model.parameters()):
            if not p.requires_grad:
                ema_p.copy_(p)
            else:
                ema_p.mul_(self.decay).add_(p.detach(), alpha=1 - self.decay)
        for ema_b, b in zip(self.model.buffers(), model.buffers()):
            ema_b.copy_(b)
        self.optimization_step += 1

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "optimization_step": self.optimization_step, "decay": self.decay}

    def load_state_dict(self, d: dict) -> None:
        self.model.load_state_dict(d["model"])
        self.optimization_step = int(d["optimization_step"])
        self.decay = float(d["decay"])
