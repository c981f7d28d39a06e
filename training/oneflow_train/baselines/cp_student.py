"""`CpStudentPolicy`: the Consistency Policy student (Prasad et al., RSS 2024; distillation.md §5) on our DDPM teacher.

A consistency-trajectory model (CTM) G_θ(y_t, t, s) that jumps from noise level σ_t to any σ_s ≤ σ_t along the
teacher's PF-ODE, in the EDM frame of `cp_sigma.py` (y = x/α, σ_k = √(1−ᾱ_k)/√ᾱ_k, bins = teacher timesteps):

    G_θ(y, t, s) = (σ_s/σ_t) · y + (1 − σ_s/σ_t) · g_θ(y, t, s),    g_θ = y − σ_t · ε_θ(y/√(1+σ_t²), k_t, k_s, O)

— CTM's boundary form (G(y, t, t) = y exactly) around the teacher's own VP preconditioning, so the student warm-starts
as the teacher: its U-Net is the teacher's plus a second time input (the stop time, embedded by the shared step
encoder and concatenated, as CP's U-Net), whose FiLM columns start at zero; at warm start g_θ is the teacher's
(unclipped) x̂₀ and G is one DDIM/Euler jump t → s. Dropout in the down/up blocks as CP (`dropout`, 0.2).

Sampling (CP): one step a = clip(G(y_T, σ_max → σ_min)) from y_T = ε·√(1+σ_max²) (the teacher's own start
variance; CP starts from N(0, I), see docs/baselines.md); three steps re-noise a to each chaining σ with a fresh
noise slice, y = a + σ_c ε_c, and jump to σ_min again. The frozen teacher and the target network are the training
loop's locals (`cp_distill.py`), never submodules.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any, Mapping

import torch
from torch import nn

from ..data.normalizer import Normalizer
from ..models.unet1d import ConditionalUnet1D
from ..policies.oneflow_student import OneFlowStudentEvalPolicy
from ..policies.teacher import TeacherPolicy
from ..policies.teacher_config import TeacherConfig
from .cp_sigma import Denoiser, edm_sigmas, heun_step, vp_input_scale

# CP README: chaining at Karras bins 27 and 54 of its 80-bin grid (σ_max 80, σ_min 0.02, ρ 7) -> σ ≈ 12.0 and 0.89
CP_CHAIN_SIGMAS = (12.0, 0.89)


@dataclass(frozen=True)
class CpConfig:
    backbone: TeacherConfig
    name: str = "cp_student"
    dropout: float = 0.2
    n_bins: int = 99  # bins k = n_bins-1 … 0 (k = 99, σ ≈ 2029, left out: cp_sigma.py)
    chain_sigmas: tuple[float, ...] = CP_CHAIN_SIGMAS  # multi-step re-noising levels, snapped to the nearest bin

    def __post_init__(self) -> None:
        T = self.backbone.num_train_timesteps
        if not 2 <= self.n_bins <= T:
            raise ValueError(f"n_bins must be in [2, {T}], got {self.n_bins}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        object.__setattr__(self, "chain_sigmas", tuple(float(s) for s in self.chain_sigmas))
        if any(s <= 0 for s in self.chain_sigmas):
            raise ValueError(f"chain_sigmas must be > 0, got {self.chain_sigmas}")

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in asdict(self).items() if k != "backbone"}, "chain_sigmas": list(self.chain_sigmas),
                "backbone": self.backbone.to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CpConfig":
        rest = {k: v for k, v in d.items() if k in ("name", "dropout", "n_bins", "chain_sigmas")}
        return cls(backbone=TeacherConfig.from_dict(d["backbone"]), **rest)


@dataclass(frozen=True)
class CpLossConfig:
    """CTM + DSM, 1 : 1 (CP's α, β); pseudo-Huber δ = 0.00054·√(Ha·Da); EDM weight on the DSM term."""

    lambda_ctm: float = 1.0
    lambda_dsm: float = 1.0
    huber_delta: float = 0.00054 * 32 ** 0.5
    sigma_data: float = 0.5
    dsm_xi_max: float = 0.7  # half the DSM σ from the ρ-grid restricted to ξ ∈ [0, 0.7], half log-normal
    p_mean: float = -1.2
    p_std: float = 1.2
    rho: float = 7.0
    ode_steps_max: int = 1  # CP: at most one teacher Heun step between t and u

    def __post_init__(self) -> None:
        if self.lambda_ctm < 0 or self.lambda_dsm < 0 or self.lambda_ctm + self.lambda_dsm == 0:
            raise ValueError(f"loss weights must be >= 0 and not both 0, got {self.lambda_ctm}, {self.lambda_dsm}")
        if self.ode_steps_max != 1:
            raise ValueError(f"ode_steps_max: only CP's 1 is implemented, got {self.ode_steps_max}")
        if not 0.0 < self.dsm_xi_max <= 1.0:
            raise ValueError(f"dsm_xi_max must be in (0, 1], got {self.dsm_xi_max}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pseudo_huber(err: torch.Tensor, delta: float) -> torch.Tensor:
    """Per sample: √(‖e‖² + δ²) − δ over the (Ha, Da) chunk. err (B, Ha, Da) -> (B,)."""
    return torch.sqrt((err ** 2).flatten(1).sum(-1) + delta * delta) - delta


class CpStudentPolicy(nn.Module):
    checkpoint_kind = "cp_student"
    export_method = "cp"

    def __init__(self, config: CpConfig, normalizer: Normalizer):
        super().__init__()
        self.config = config
        self.normalizer = normalizer
        b = config.backbone
        self.backbone = TeacherPolicy(b, normalizer)  # encoder + normaliser; its U-Net is replaced by the CTM one
        self.backbone.unet = ConditionalUnet1D(b.action_dim, b.global_cond_dim, b.down_dims, b.kernel_size, b.n_groups,
                                               b.step_embed_dim, n_time_inputs=2, dropout=config.dropout)
        self.register_buffer("sigmas", edm_sigmas(self.backbone.schedule.alphas_cumprod), persistent=False)
        self.k_max = config.n_bins - 1
        self.chain_ks = [self.nearest_k(s) for s in config.chain_sigmas]
        self.sampler_steps = tuple(range(1, len(self.chain_ks) + 2))  # 1 … 1 + len(chain_sigmas)

    def nearest_k(self, sigma: float) -> int:
        """The bin (teacher timestep ≤ k_max) whose σ is nearest in log σ."""
        logs = self.sigmas[: self.k_max + 1].log()
        return int((logs - torch.log(torch.tensor(float(sigma)))).abs().argmin())

    @classmethod
    def from_teacher(cls, teacher: TeacherPolicy, **config: Any) -> "CpStudentPolicy":
        """Warm start: the teacher's weights; the FiLM columns of the stop-time embedding start at zero, so the
        warm-started network computes the teacher's ε̂ for every s."""
        student = cls(CpConfig(backbone=teacher.config, **config), teacher.normalizer)
        E = teacher.config.step_embed_dim
        shapes = {k: v.shape for k, v in student.state_dict().items()}
        state = {}
        for key, value in teacher.state_dict().items():
            key = "backbone." + key
            if key.endswith("cond_encoder.1.weight") and shapes[key] != value.shape:  # (out, E + C) -> (out, 2E + C)
                value = torch.cat([value[:, :E], torch.zeros_like(value[:, :E]), value[:, E:]], dim=1)
            state[key] = value
        student.load_state_dict(state, strict=True)
        return student

    # -- the consistency function -------------------------------------------------------------------------------
    def global_cond(self, state: torch.Tensor, image: torch.Tensor | None = None,
                    generator: torch.Generator | None = None) -> torch.Tensor:
        return self.backbone.global_cond(state, image, generator)

    def consistency(self, y: torch.Tensor, k_t: torch.Tensor, k_s: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """G_θ(y, σ_{k_t} -> σ_{k_s}): y (B, Ha, Da) at σ_{k_t}; k_t ≥ k_s (B,) teacher timesteps; cond (B, C)."""
        s_t, s_s = self.sigmas[k_t][:, None, None], self.sigmas[k_s][:, None, None]
        g = y - s_t * self.backbone.unet(y * vp_input_scale(s_t), k_t, cond, k_s)
        ratio = s_s / s_t
        return ratio * y + (1.0 - ratio) * g

    # -- sampling -----------------------------------------------------------------------------------------------
    def sample(self, state: torch.Tensor, image: torch.Tensor | None, noise: torch.Tensor, n_steps: int = 1) -> torch.Tensor:
        """Raw obs + noise (B, S ≥ n_steps, Ha, Da) -> raw actions (B, Ha, Da); n_steps network calls."""
        if n_steps not in self.sampler_steps:
            raise ValueError(f"n_steps must be one of {self.sampler_steps}, got {n_steps}")
        if noise.shape[1] < n_steps:
            raise ValueError(f"{n_steps}-step sampling needs noise (B, >= {n_steps}, Ha, Da), got {tuple(noise.shape)}")
        cond = self.global_cond(state, image)
        noise = noise.to(cond.device, torch.float32)
        B = noise.shape[0]

        def ks(k: int) -> torch.Tensor:
            return torch.full((B,), k, dtype=torch.long, device=cond.device)

        clip = self.config.backbone.clip_sample
        y = noise[:, 0] / vp_input_scale(self.sigmas[self.k_max])  # ε·√(1 + σ_max²): x_{k_max} = ε
        a = self.consistency(y, ks(self.k_max), ks(0), cond)
        a = a.clamp(-1.0, 1.0) if clip else a
        for i, k in enumerate(self.chain_ks[: n_steps - 1]):
            a = self.consistency(a + self.sigmas[k] * noise[:, i + 1], ks(k), ks(0), cond)
            a = a.clamp(-1.0, 1.0) if clip else a
        return self.backbone.unnormalize_action(a)

    # -- training -----------------------------------------------------------------------------------------------
    def loss(self, cond: torch.Tensor, action: torch.Tensor, target: "CpStudentPolicy", target_cond: torch.Tensor,
             teacher: Denoiser, cfg: CpLossConfig, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """CP's CTM + DSM loss on a batch. cond (B, C) the student's conditioning (grad); action (B, Ha, Da) the
        normalised demonstration; target the stop-gradient target network (frozen parameters) with its conditioning;
        teacher(y, k) the teacher's x̂₀ (no grad). Every draw from `generator`. Returns {"loss", "ctm", "dsm"}."""
        B, N, dev = action.shape[0], self.config.n_bins, action.device

        def draw(*shape: int) -> torch.Tensor:
            return torch.rand(shape, generator=generator).to(dev)

        # bins (noisiest first): t ~ U{0..N-2}, s ~ U{t..N-1}, u ~ U{t..s} capped at t + 1 (one Heun step)
        i_t = (draw(B) * (N - 1)).long()
        i_s = i_t + (draw(B) * (N - i_t)).long()
        i_u = torch.minimum(i_t + (draw(B) * (i_s - i_t + 1)).long(), i_t + cfg.ode_steps_max)
        k_t, k_s, k_u = N - 1 - i_t, N - 1 - i_s, N - 1 - i_u
        k_min = torch.zeros_like(k_t)
        y_t = action + self.sigmas[k_t][:, None, None] * torch.randn(action.shape, generator=generator).to(dev)
        with torch.no_grad():
            y_u = heun_step(teacher, y_t, k_t, k_u, self.sigmas)  # k_u == k_t: a zero-length step, y_u = y_t
            target_s = target.consistency(y_u, k_u, k_s, target_cond)
            target_0 = target.consistency(target_s, k_s, k_min, target_cond)
        pred_0 = target.consistency(self.consistency(y_t, k_t, k_s, cond), k_s, k_min, target_cond)  # grad via input
        ctm = pseudo_huber(pred_0 - target_0, cfg.huber_delta).mean()

        # DSM: half from the ρ-grid over ξ ∈ [0, ξ_max], half log-normal, snapped to the nearest bin
        s_max, s_min = float(self.sigmas[self.k_max]), float(self.sigmas[0])
        half = (B + 1) // 2
        xi = draw(half) * cfg.dsm_xi_max
        grid = (s_max ** (1 / cfg.rho) + xi * (s_min ** (1 / cfg.rho) - s_max ** (1 / cfg.rho))) ** cfg.rho
        lognormal = (torch.randn((B - half,), generator=generator) * cfg.p_std + cfg.p_mean).exp().to(dev)
        wanted = torch.cat([grid, lognormal]).clamp(s_min, s_max)
        logs = self.sigmas[: self.k_max + 1].log()
        k_d = (logs[None, :] - wanted.log()[:, None]).abs().argmin(dim=1)
        sig = self.sigmas[k_d]
        y_d = action + sig[:, None, None] * torch.randn(action.shape, generator=generator).to(dev)
        weight = (sig ** 2 + cfg.sigma_data ** 2) / (sig * cfg.sigma_data) ** 2
        dsm = (weight * pseudo_huber(self.consistency(y_d, k_d, k_min, cond) - action, cfg.huber_delta)).mean()
        return {"loss": cfg.lambda_ctm * ctm + cfg.lambda_dsm * dsm, "ctm": ctm.detach(), "dsm": dsm.detach()}

    def target_copy(self) -> "CpStudentPolicy":
        """A frozen copy for the stop-gradient target network (CP: initial_ema_decay 0 -> a copy of the weights)."""
        return copy.deepcopy(self).requires_grad_(False)


class CpStudentEvalPolicy(OneFlowStudentEvalPolicy):
    """`EvalPolicy` adapter (numpy in/out, no grad); `--policy-arg n_steps=3` for CP's three-step chaining."""

    def __init__(self, policy: CpStudentPolicy, n_steps: int = 1, device: str | torch.device = "cpu"):
        if n_steps not in policy.sampler_steps:
            raise ValueError(f"n_steps must be one of {policy.sampler_steps}, got {n_steps}")
        super().__init__(policy, n_steps, device)
        self.name = f"{policy.config.name}:{n_steps}step"


def build_cp_student(config: dict[str, Any], normalizer: Normalizer, state: dict[str, torch.Tensor]) -> CpStudentPolicy:
    """Checkpoint loader for kind "cp_student" (registered in checkpoint.py)."""
    policy = CpStudentPolicy(CpConfig.from_dict(config["policy"]), normalizer)
    policy.load_state_dict(state, strict=True)
    return policy
