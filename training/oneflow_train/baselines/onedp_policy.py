"""`OneDPPolicy`: the OneDP one-step generator G_θ(z, O) (Wang et al. 2024, arXiv 2410.21257; distillation.md §6).

The generator is the teacher's network (encoder + `ConditionalUnet1D` + normaliser: a `TeacherPolicy` used as a
backbone), warm-started from the teacher's weights and read as the teacher's x̂₀ estimate at ONE fixed timestep
k_G (the paper: k = 65 of 100; α₆₅ ≈ 0.51, σ₆₅ ≈ 0.86):

    G_θ(z, O) = (x − σ_kG · ε_θ(x, k_G, O)) / α_kG,    x = z        (OneDP-S, stochastic: z ~ N(0, I))
                                                        x = 0        (OneDP-D, deterministic: the noise is dropped)

in normalised action space; sampling clips to [-1, 1] (as the teacher's x̂₀) and unnormalises. One network call.
OneDP-D keeps the contract's noise input (1, 1, Ha, Da) so every one-step policy has the same interface; its output
does not depend on it (the input is multiplied by zero, tested).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from ..data.normalizer import Normalizer
from ..policies.teacher import TeacherPolicy
from ..policies.teacher_config import TeacherConfig

VARIANTS = ("S", "D")


@dataclass(frozen=True)
class OneDPConfig:
    """The generator's architecture is the teacher's (`backbone`); `variant` S keeps the noise input, D drops it."""

    backbone: TeacherConfig
    variant: str = "S"
    generator_k: int = 65
    name: str = "onedp"

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        T = self.backbone.num_train_timesteps
        if not 0 <= self.generator_k < T:
            raise ValueError(f"generator_k must be in [0, {T - 1}], got {self.generator_k}")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "variant": self.variant, "generator_k": self.generator_k,
                "backbone": self.backbone.to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "OneDPConfig":
        return cls(backbone=TeacherConfig.from_dict(d["backbone"]), variant=d.get("variant", "S"),
                   generator_k=int(d.get("generator_k", 65)), name=d.get("name", "onedp"))


class OneDPPolicy(nn.Module):
    checkpoint_kind = "onedp_student"
    export_method = "onedp"

    def __init__(self, config: OneDPConfig, normalizer: Normalizer):
        super().__init__()
        self.config = config
        self.normalizer = normalizer
        self.backbone = TeacherPolicy(config.backbone, normalizer)  # the network; its sampler/loss are unused
        abar = self.backbone.schedule.alphas_cumprod[config.generator_k]
        self.alpha_g, self.sigma_g = float(abar.sqrt()), float((1 - abar).sqrt())

    @classmethod
    def from_teacher(cls, teacher: TeacherPolicy, variant: str = "S", generator_k: int = 65,
                     name: str = "onedp") -> "OneDPPolicy":
        """Warm start: a generator whose network is a copy of the teacher's weights."""
        policy = cls(OneDPConfig(backbone=teacher.config, variant=variant, generator_k=generator_k, name=name),
                     teacher.normalizer)
        policy.backbone.load_state_dict(teacher.state_dict(), strict=True)
        return policy

    def global_cond(self, state: torch.Tensor, image: torch.Tensor | None = None,
                    generator: torch.Generator | None = None) -> torch.Tensor:
        return self.backbone.global_cond(state, image, generator)

    def generate(self, cond: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """G_θ(z, O): cond (B, C), z (B, Ha, Da) -> normalised action chunk (B, Ha, Da), NOT clipped (training)."""
        x = z if self.config.variant == "S" else z * 0.0
        k = torch.full((z.shape[0],), self.config.generator_k, dtype=torch.long, device=z.device)
        return (x - self.sigma_g * self.backbone.unet(x, k, cond)) / self.alpha_g

    def sample(self, state: torch.Tensor, image: torch.Tensor | None, noise: torch.Tensor, n_steps: int = 1) -> torch.Tensor:
        """Raw obs + noise (B, 1, Ha, Da) -> raw actions (B, Ha, Da); one network call."""
        if n_steps != 1:
            raise ValueError(f"OneDP is a one-step generator: n_steps must be 1, got {n_steps}")
        cond = self.global_cond(state, image)
        a = self.generate(cond, noise[:, 0].to(cond.device, torch.float32))
        if self.config.backbone.clip_sample:
            a = a.clamp(-1.0, 1.0)
        return self.backbone.unnormalize_action(a)


class OneDPEvalPolicy:
    """`EvalPolicy` adapter: numpy in, numpy out, no grad; noise_shape (1, Ha, Da)."""

    def __init__(self, policy: OneDPPolicy, n_steps: int = 1, device: str | torch.device = "cpu"):
        if n_steps != 1:
            raise ValueError(f"OneDP is a one-step generator: n_steps must be 1, got {n_steps}")
        self.policy = policy.to(device).eval()
        self.device = torch.device(device)
        cfg = policy.config.backbone
        self.n_obs_steps, self.n_action_steps, self.horizon = cfg.n_obs_steps, cfg.n_action_steps, cfg.horizon
        self.noise_shape = (1, cfg.horizon, cfg.action_dim)
        self.uses_image = cfg.uses_image
        self.name = f"{policy.config.name}:onedp-{policy.config.variant}"

    @torch.no_grad()
    def predict(self, state: np.ndarray, image: np.ndarray | None, noise: np.ndarray) -> np.ndarray:
        s = torch.as_tensor(np.asarray(state, np.float32), device=self.device)
        img = None if image is None or not self.uses_image else torch.as_tensor(np.asarray(image), device=self.device)
        n = torch.as_tensor(np.asarray(noise, np.float32), device=self.device)
        return self.policy.sample(s, img, n, 1).cpu().numpy().astype(np.float32)


def build_onedp(config: dict[str, Any], normalizer: Normalizer, state: dict[str, torch.Tensor]) -> OneDPPolicy:
    """Checkpoint loader for kind "onedp_student" (registered in checkpoint.py)."""
    policy = OneDPPolicy(OneDPConfig.from_dict(config["policy"]), normalizer)
    policy.load_state_dict(state, strict=True)
    return policy
