"""Diffusion schedule and samplers as pure functions: every random number is an argument.

Conventions (distillation.md §3): ᾱ_k = alphas_cumprod[k], x_k = √ᾱ_k x_0 + √(1-ᾱ_k) ε, k = 0 … T-1.
`squaredcos_cap_v2` with T = 100 and float32 tensors exactly as diffusers' `DDPMScheduler` builds them.
`eps_fn(x_t, t) -> ε̂` works on normalised actions (B, Ha, Da); t is a long tensor (B,).

- `ddpm_sample`: DP's default sampler — stochastic ancestral DDPM, 100 steps, `fixed_small` variance, x̂_0 clipped
  to [-1, 1] (diffusers 0.11.1 `DDPMScheduler.step` arithmetic).
- `ddim_sample`: deterministic DDIM (η = 0) with any N; x̂_0 clipped, ε̂ kept unclipped (diffusers default), final
  step to ᾱ = 1. Default TRAILING spacing as the team defines it (distillation.md §4, `rf_frame.trailing_timesteps`):
  k_j = round(linspace(T-1, 0, N)), so the first evaluation is at k = T-1 (pure noise), the last at k = 0, and
  DDIM-100 visits every k. `spacing="trailing_arange"` is Lin et al.'s variant (arXiv 2305.08891),
  round(arange(T, 0, -T/N)) - 1 (ends at k = T/N - 1); "leading" is diffusers 0.11.1's (never visits T-1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import torch

EpsFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
SPACINGS = ("trailing", "trailing_arange", "leading")


@dataclass(frozen=True)
class Schedule:
    betas: torch.Tensor  # (T,) float32
    alphas: torch.Tensor  # (T,) 1 - betas
    alphas_cumprod: torch.Tensor  # (T,) ᾱ_k

    @property
    def num_train_timesteps(self) -> int:
        return int(self.betas.shape[0])

    def to(self, device: torch.device | str) -> "Schedule":
        return Schedule(self.betas.to(device), self.alphas.to(device), self.alphas_cumprod.to(device))


def make_schedule(num_train_timesteps: int = 100, max_beta: float = 0.999) -> Schedule:
    """squaredcos_cap_v2: β_i = min(1 - ᾱ((i+1)/T)/ᾱ(i/T), max_beta), ᾱ(s) = cos²(π/2·(s+0.008)/1.008)."""
    def abar(s: float) -> float:
        return math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2

    T = num_train_timesteps
    betas = torch.tensor([min(1 - abar((i + 1) / T) / abar(i / T), max_beta) for i in range(T)], dtype=torch.float32)
    alphas = 1.0 - betas
    return Schedule(betas, alphas, torch.cumprod(alphas, dim=0))


def add_noise(schedule: Schedule, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Forward process q(x_t | x_0) for per-sample t (B,)."""
    ac = schedule.alphas_cumprod.to(x0.device)[t].reshape(-1, *([1] * (x0.dim() - 1)))
    return ac.sqrt() * x0 + (1 - ac).sqrt() * noise


def ddim_timesteps(n_steps: int, num_train_timesteps: int = 100, spacing: str = "trailing") -> list[int]:
    """The N network-evaluation timesteps, descending. Trailing: [99, 88, …, 11, 0] for N=10; [99, …, 0] for N=100."""
    T = num_train_timesteps
    if not 1 <= n_steps <= T:
        raise ValueError(f"DDIM steps must be in [1, {T}], got {n_steps}")
    if spacing == "trailing":
        ks = np.round(np.linspace(T - 1, 0, n_steps)).astype(np.int64)
    elif spacing == "trailing_arange":
        ks = np.round(np.arange(T, 0, -T / n_steps)).astype(np.int64) - 1
    elif spacing == "leading":  # diffusers 0.11.1 DDIM: never visits T-1
        ks = (np.arange(n_steps) * (T // n_steps))[::-1]
    else:
        raise ValueError(f"unknown spacing {spacing!r}; expected one of {SPACINGS}")
    return [int(k) for k in ks]


class DdimResult(NamedTuple):
    x0: torch.Tensor  # (B, Ha, Da) final sample
    xs: torch.Tensor | None  # (B, N+1, Ha, Da) states x_{k_0}=x_T, …, x_{k_{N-1}}, final sample
    x0_preds: torch.Tensor | None  # (B, N, Ha, Da) clipped x̂_0 at each evaluation
    eps: torch.Tensor | None  # (B, N, Ha, Da) ε̂ at each evaluation
    timesteps: list[int]


def _bcast(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return v.to(x.device, x.dtype).reshape(1, *([1] * (x.dim() - 1))) if v.dim() == 0 else v


def ddim_sample(
    eps_fn: EpsFn,
    x_T: torch.Tensor,
    schedule: Schedule,
    n_steps: int,
    clip_sample: bool = True,
    return_trajectory: bool = False,
    spacing: str = "trailing",
):
    """Deterministic DDIM from x_T (B, Ha, Da). Returns x_0, or a `DdimResult` when return_trajectory."""
    ks = ddim_timesteps(n_steps, schedule.num_train_timesteps, spacing)
    ac = schedule.alphas_cumprod
    x = x_T
    B = x.shape[0]
    xs, x0s, epss = [x], [], []
    for j, k in enumerate(ks):
        a_t = ac[k]
        a_prev = ac[ks[j + 1]] if j + 1 < len(ks) else torch.tensor(1.0)
        eps = eps_fn(x, torch.full((B,), k, dtype=torch.long, device=x.device))
        x0 = (x - _bcast((1 - a_t).sqrt(), x) * eps) / _bcast(a_t.sqrt(), x)
        if clip_sample:
            x0 = x0.clamp(-1.0, 1.0)
        x = _bcast(a_prev.sqrt(), x) * x0 + _bcast((1 - a_prev).sqrt(), x) * eps
        if return_trajectory:
            xs.append(x)
            x0s.append(x0)
            epss.append(eps)
    if not return_trajectory:
        return x
    return DdimResult(x, torch.stack(xs, 1), torch.stack(x0s, 1), torch.stack(epss, 1), ks)


def ddpm_sample(eps_fn: EpsFn, noise: torch.Tensor, schedule: Schedule, clip_sample: bool = True) -> torch.Tensor:
    """Ancestral DDPM over all T steps. noise (B, T, Ha, Da): noise[:, 0] is x_T; at the j-th step (j = 0 … T-1,
    timestep k = T-1-j) the added noise is noise[:, j+1] for j < T-1 (the last step, k = 0, adds none)."""
    T = schedule.num_train_timesteps
    if noise.dim() != 4 or noise.shape[1] != T:
        raise ValueError(f"DDPM noise must be (B, {T}, Ha, Da), got {tuple(noise.shape)}")
    b, a, ac = schedule.betas, schedule.alphas, schedule.alphas_cumprod
    x = noise[:, 0]
    B = x.shape[0]
    for j in range(T):
        k = T - 1 - j
        a_t = ac[k]
        a_prev = ac[k - 1] if k > 0 else torch.tensor(1.0)
        eps = eps_fn(x, torch.full((B,), k, dtype=torch.long, device=x.device))
        x0 = (x - (1 - a_t).sqrt().to(x) * eps) / a_t.sqrt().to(x)
        if clip_sample:
            x0 = x0.clamp(-1.0, 1.0)
        coef_x0 = a_prev.sqrt() * b[k] / (1 - a_t)
        coef_xt = a[k].sqrt() * (1 - a_prev) / (1 - a_t)
        x = coef_x0.to(x) * x0 + coef_xt.to(x) * x
        if k > 0:
            var = ((1 - a_prev) / (1 - a_t) * b[k]).clamp(min=1e-20)
            x = x + var.sqrt().to(x) * noise[:, j + 1]
    return x
