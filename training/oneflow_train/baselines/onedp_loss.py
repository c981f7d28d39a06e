"""OneDP's loss pieces as pure functions (distillation.md §6; every random draw is an argument).

Reverse KL along the forward diffusion, its gradient w.r.t. the generator's output A = G_θ(z, O):

    ∇_θ E_k KL(p_G,k ‖ p_π,k) = E[ w(k) · (s_G(A^k) − s_π(A^k)) · ∇_θ A^k ],   A^k = α_k A + σ_k ε,
    s = −ε̂/σ_k  ⇒  s_G − s_π = (ε_φ − ε_G)/σ_k,   ∇_θ A^k = α_k ∇_θ A,

so the gradient handed to A is  g = w(k) · α_k/σ_k · (ε_φ(A^k, k) − ε_G),  with w(k) = σ_k² (DreamFusion's weight,
the paper's choice for DDPM teachers): g = α_k σ_k (ε_φ − ε_G). ε_G is the fake score network's ε_ψ(A^k, k) for
OneDP-S and the injected noise ε itself for OneDP-D (a Dirac generator's exact score). Descending g moves A towards
the teacher's modes: where the teacher predicts more noise than the generator's own score explains, A^k lies off
the teacher's data and A is pulled back (sign pinned by a test on a point mass).

Note on the sign: the issue text writes the factor as (ε_ψ − ε_φ); with s = −ε/σ the descent direction is
(ε_φ − ε_ψ), the same as VSD/DMD's (ε_real − ε_fake). We implement the descent direction.
"""
from __future__ import annotations

import torch

WEIGHTINGS = ("sigma2", "one")


def diffuse(a: torch.Tensor, eps: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """A^k = α_k A + σ_k ε; a, eps (B, Ha, Da), alpha, sigma (B,)."""
    return alpha[:, None, None] * a + sigma[:, None, None] * eps


def kl_gradient(eps_teacher: torch.Tensor, eps_generator: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor,
                weighting: str = "sigma2") -> torch.Tensor:
    """g = w(k) · α_k/σ_k · (ε_φ − ε_G), the per-element gradient of the KL w.r.t. the generator output A."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    w = sigma ** 2 if weighting == "sigma2" else torch.ones_like(sigma)
    return (w * alpha / sigma)[:, None, None] * (eps_teacher - eps_generator)


def generator_surrogate(a: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """A scalar whose gradient w.r.t. `a` is grad / B (sum over a sample's elements, mean over the batch):
    ½‖A − sg(A − g)‖²."""
    return 0.5 * ((a - (a - grad).detach()) ** 2).sum() / a.shape[0]


def dsm_loss(eps_pred: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Denoising score matching with λ(k) = 1 (the paper, DDPM teachers): mean ‖ε_ψ(x^k, k) − ε‖²."""
    return ((eps_pred - eps) ** 2).mean()


def draw_timesteps(batch: int, k_min: int, k_max: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """k ~ U{k_min, …, k_max} (inclusive; the paper's DDPM range is [2, 95])."""
    return torch.randint(k_min, k_max + 1, (batch,), generator=generator)
