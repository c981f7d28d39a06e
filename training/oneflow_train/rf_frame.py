"""The rectified-flow (RF) frame of a DDPM teacher, and its probability-flow ODE trajectories.

Notation (`distillation.md` §3): the teacher's forward process is x_k = α_k x0 + σ_k ε with α_k = sqrt(ᾱ_k),
σ_k = sqrt(1 − ᾱ_k). Rescale by (α_k + σ_k):

    z = x / (α_k + σ_k),        τ_k = σ_k / (α_k + σ_k)        ⇒   z = (1 − τ) x0 + τ ε

— exactly the linear interpolant, data at τ = 0, noise at τ ≈ 1 (τ_99 = 0.9995 for squaredcos_cap_v2, K = 100).
With the teacher's estimates ε̂ = ε_φ(x, k, O) and x̂0 = (x − σ ε̂)/α, its velocity in this frame is

    v = ε̂ − clip(x̂0)

and one deterministic DDIM step (η = 0) k → k' is one Euler step z' = z + (τ' − τ) v. With clipping on, diffusers'
DDIM (and ours) keeps the *unclipped* ε̂ and lands on z' = (1 − τ') clip(x̂0) + τ' ε̂: the Euler step then starts
from the clip-projected state z̃ = (1 − τ) clip(x̂0) + τ ε̂ (= z whenever the clip is inactive). We integrate in
that direct form — it never divides by α ≈ 5e-4 — and the tests check it against the x-space DDIM step to 1e-6.

All functions are pure: schedules come in as `alphas_cumprod`, noise comes in as an argument, nothing is cached.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

EpsFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x_t (B,Ha,Da), k (B,) long) -> eps (B,Ha,Da)


def rf_coefficients(alphas_cumprod: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per training step k: alpha, sigma, scale = alpha + sigma and tau = sigma / scale (float64, shape (K,))."""
    abar = alphas_cumprod.detach().to(torch.float64)
    alpha, sigma = abar.sqrt(), (1.0 - abar).sqrt()
    scale = alpha + sigma
    return {"alpha": alpha, "sigma": sigma, "scale": scale, "tau": sigma / scale}


def tau_to_k(tau: torch.Tensor, alphas_cumprod: torch.Tensor) -> torch.Tensor:
    """Continuous timestep k(τ) by piecewise-linear interpolation of the teacher's τ_k table (τ increases with k).

    The student's time input is the teacher's timestep embedding evaluated at k(τ); on the teacher's grid this is
    the integer k itself. τ outside [τ_0, τ_{K−1}] clamps to the ends.
    """
    table = rf_coefficients(alphas_cumprod)["tau"].to(tau.device)  # (K,)
    t = tau.to(torch.float64).clamp(table[0], table[-1])
    hi = torch.searchsorted(table, t).clamp(1, len(table) - 1)
    lo = hi - 1
    w = (t - table[lo]) / (table[hi] - table[lo])
    return (lo.to(torch.float64) + w).to(torch.float32)


def teacher_velocity(z: torch.Tensor, eps: torch.Tensor, alpha: float, sigma: float,
                     clip_sample: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """RF-frame teacher velocity at state z: returns (v = ε̂ − clip(x̂0), clip(x̂0)). Shapes follow z."""
    x = z * (alpha + sigma)
    x0 = (x - sigma * eps) / alpha
    if clip_sample:
        x0 = x0.clamp(-1.0, 1.0)
    return eps - x0, x0


def euler_step(z: torch.Tensor, v: torch.Tensor, tau: float, tau_next: float) -> torch.Tensor:
    """One Euler step of dz/dτ = v from τ to τ_next (τ_next < τ when integrating towards the data)."""
    return z + (tau_next - tau) * v


@dataclass(frozen=True)
class TeacherTrajectory:
    """A batch of teacher PF-ODE solutions in the RF frame (normalised action space).

    z:   (N+1, B, Ha, Da) states; z[0] = noise / (α_{K−1} + σ_{K−1}) at τ ≈ 1, z[N] = the endpoint Φ(ε) at τ = 0.
    v:   (N, B, Ha, Da)   teacher velocity ε̂ − clip(x̂0) evaluated at z[j].
    tau: (N+1,)           τ_j (float32), tau[N] = 0.
    k:   (N,)             teacher timestep k_j of state j (long).
    """

    z: torch.Tensor
    v: torch.Tensor
    tau: torch.Tensor
    k: torch.Tensor

    @property
    def endpoint(self) -> torch.Tensor:
        return self.z[-1]

    @property
    def n_steps(self) -> int:
        return int(self.k.shape[0])


@torch.no_grad()
def teacher_trajectory(eps_fn: EpsFn, noise: torch.Tensor, alphas_cumprod: torch.Tensor,
                       timesteps: torch.Tensor, clip_sample: bool = True) -> TeacherTrajectory:
    """Deterministic DDIM (η = 0) from x_T = noise over `timesteps` (descending), plus the final step to ᾱ = 1.

    Args:
      eps_fn: ε-prediction on normalised actions, eps_fn(x_t (B,Ha,Da), k (B,) long) -> (B,Ha,Da); the
        observation conditioning is closed over by the caller.
      noise: (B, Ha, Da) standard normal; it is the teacher's x_T at timesteps[0].
      alphas_cumprod: (K,) the teacher's schedule.
      timesteps: (N,) strictly descending — the teacher's `sampling.ddim_timesteps(N)` (trailing spacing, so the
        first state is pure noise at k = K − 1 and DDIM-N of the teacher visits exactly these states).
    Returns a `TeacherTrajectory` whose endpoint equals DDIM's output from the same noise.
    """
    coef = rf_coefficients(alphas_cumprod)
    ks = [int(k) for k in timesteps]
    if any(a <= b for a, b in zip(ks, ks[1:])):
        raise ValueError(f"timesteps must be strictly descending, got {ks}")
    taus = [float(coef["tau"][k]) for k in ks] + [0.0]
    B = noise.shape[0]
    z = noise / float(coef["scale"][ks[0]])
    states, vels = [z], []
    for j, k in enumerate(ks):
        alpha, sigma, scale = (float(coef[n][k]) for n in ("alpha", "sigma", "scale"))
        eps = eps_fn(z * scale, torch.full((B,), k, dtype=torch.long, device=noise.device))
        v, x0 = teacher_velocity(z, eps, alpha, sigma, clip_sample)
        tau_next = taus[j + 1]
        # Direct DDIM form: (1 − τ') clip(x̂0) + τ' ε̂ == Euler from the clip-projected state (module docstring).
        z = (1.0 - tau_next) * x0 + tau_next * eps
        states.append(z)
        vels.append(v)
    return TeacherTrajectory(z=torch.stack(states), v=torch.stack(vels),
                             tau=torch.tensor(taus, dtype=torch.float32, device=noise.device),
                             k=torch.tensor(ks, dtype=torch.long, device=noise.device))
