"""Our DDPM teacher read in the EDM (Karras) σ-parametrisation, for the Consistency Policy baseline (CP; docs/baselines.md).

The DDPM forward process x_k = α_k x₀ + σ̃_k ε (α_k = √ᾱ_k, σ̃_k = √(1 − ᾱ_k)) divided by α_k is EDM's variance-
exploding form y = x₀ + σ_k ε with

    σ_k = √(1 − ᾱ_k) / √ᾱ_k        (k = 0 … 98: σ ∈ [0.025, 64.2]; CP's grid: [0.02, 80], ρ = 7, 80 bins)

and the teacher's ε-network is an EDM denoiser with EDM's "VP" preconditioning (Karras et al. 2022, Table 1):

    D(y, σ_k) = clip(y − σ_k · ε̂(y / √(1 + σ_k²), k))      (c_skip = 1, c_out = −σ, c_in = 1/√(σ² + 1), c_noise = k)

— x̂₀ is the same number in both frames, and the clip is the teacher's own (`clip_sample`, as its DDIM sampler).
The PF-ODE is dy/dσ = (y − D(y, σ))/σ; CP's teacher step is one Heun step of it between adjacent bins.

Bins are the teacher's own integer timesteps (its network was trained only there): bin i = 0 … N−1 is k = N−1−i,
noisiest first, N = 99. k = 99 is left out: its β is capped at 0.999, σ₉₉ ≈ 2029, and x̂₀ there divides ε̂ by
α₉₉ ≈ 5e-4 (distillation.md §3.1); σ₉₈ ≈ 64 is close to CP's σ_max = 80.
"""
from __future__ import annotations

from typing import Callable

import torch

# (y (B, Ha, Da), k (B,) teacher timestep) -> x̂₀ (B, Ha, Da)
Denoiser = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def edm_sigmas(alphas_cumprod: torch.Tensor) -> torch.Tensor:
    """σ_k = √((1 − ᾱ_k)/ᾱ_k) for every teacher timestep k (T,), float32 (computed in float64)."""
    ac = alphas_cumprod.double()
    return ((1.0 - ac) / ac).sqrt().float()


def vp_input_scale(sigma: torch.Tensor) -> torch.Tensor:
    """c_in = α = 1/√(1 + σ²): the teacher network's input is x = c_in · y."""
    return torch.rsqrt(1.0 + sigma * sigma)


def teacher_denoiser(eps_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], sigmas: torch.Tensor,
                     clip: bool) -> Denoiser:
    """D(y, k) = [clip](y − σ_k ε̂(c_in(σ_k) y, k)) from the teacher's ε-network eps_fn(x, k)."""
    def denoise(y: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        sigma = sigmas.to(y.device)[k][:, None, None]
        x0 = y - sigma * eps_fn(y * vp_input_scale(sigma), k)
        return x0.clamp(-1.0, 1.0) if clip else x0
    return denoise


def heun_step(denoise: Denoiser, y: torch.Tensor, k_from: torch.Tensor, k_to: torch.Tensor,
              sigmas: torch.Tensor) -> torch.Tensor:
    """One Heun step of dy/dσ = (y − D(y, σ))/σ from σ_{k_from} to σ_{k_to} (both > 0; EDM Algorithm 1, the
    second-order correction always applied): y (B, Ha, Da), k_from, k_to (B,) -> y at σ_{k_to}. 2 network calls."""
    s = sigmas.to(y.device)
    s_from, s_to = s[k_from][:, None, None], s[k_to][:, None, None]
    d1 = (y - denoise(y, k_from)) / s_from
    y_euler = y + (s_to - s_from) * d1
    d2 = (y_euler - denoise(y_euler, k_to)) / s_to
    return y + (s_to - s_from) * 0.5 * (d1 + d2)
