"""`OneFlowStudentPolicy`: the OneFlow-DP one-step student (`distillation.md` §4).

The student is the teacher's network (observation encoder + `ConditionalUnet1D` + normaliser, i.e. a
`TeacherPolicy` used as a backbone), warm-started from the teacher's weights. Its output is read as the AVERAGE
velocity from the RF-frame state z at time τ down to τ = 0, so

    â_θ(z, τ, O) = z − τ · u_θ(z, τ, O)                    (normalised action space)

and the boundary condition â(z, 0) = z holds by construction. The network sees exactly the teacher's inputs:
x = z · (α + σ) with α + σ = 1/√(τ² + (1 − τ)²) (from α² + σ² = 1, τ = σ/(α + σ)), and the teacher's timestep
embedding at k(τ) (`rf_frame.tau_to_k`; integer k on the teacher's grid). One-step sampling starts where every
teacher trajectory starts: z = ε / (α₉₉ + σ₉₉) at τ₉₉ = 0.9995, k = 99.

The frozen teacher is never a submodule (style.md: a student must not own its teacher); `distill.py` holds it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

import numpy as np
import torch
from torch import nn

from ..data.normalizer import Normalizer
from ..rf_frame import TeacherTrajectory, rf_coefficients, tau_to_k
from .teacher import TeacherPolicy
from .teacher_config import TeacherConfig

VELOCITY_TARGETS = ("flow_map", "instantaneous")
TERMINAL_TARGETS = ("teacher_endpoint", "demo", "none")
LOSS_TYPES = ("pseudo_huber", "mse")


@dataclass(frozen=True)
class StudentConfig:
    """The student's architecture is the teacher's (`backbone`); plus its sampling constants."""

    backbone: TeacherConfig
    name: str = "oneflow_student"
    mid_k: int = 49  # two-step sampler: re-noise the one-step action to the teacher's τ at k = mid_k (τ ≈ 0.5)

    def __post_init__(self) -> None:
        if not 0 < self.mid_k < self.backbone.num_train_timesteps - 1:
            raise ValueError(f"mid_k must be in (0, {self.backbone.num_train_timesteps - 1}), got {self.mid_k}")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mid_k": self.mid_k, "backbone": self.backbone.to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "StudentConfig":
        return cls(backbone=TeacherConfig.from_dict(d["backbone"]), name=d.get("name", "oneflow_student"),
                   mid_k=int(d.get("mid_k", 49)))


@dataclass(frozen=True)
class LossConfig:
    """Distillation loss (`distillation.md` §4). Defaults: flow-map global term + teacher-endpoint terminal term, 1:1.

    The TERMINAL term acts on the start state j = 0 only (τ ≈ 1, the one-step sampler's input): one step from the
    trajectory's own noise must land on terminal_target — the teacher's endpoint Φ(ε) from the same noise, the
    demonstration action (unpaired), or nothing ("none": j = 0 is then not supervised by any flow-map term).
    The GLOBAL term (lambda_global = 0 turns it off), by velocity_target:
      "flow_map" — the interior states z_j, j = 1 … N−1, are carried by â(z_j, τ_j) to their trajectory's endpoint
        (j = 0 is left out: its flow-map target Φ(ε) IS the teacher-endpoint terminal term);
      "instantaneous" — the abstract read literally: u(z_j, τ_j) regresses the teacher's PF-ODE velocity at every
        state j = 0 … N−1. At j = 0 the teacher's own v = ε̂ − clip(x̂₀) is unusable (α ≈ 5e-4: 98.5 % of x̂₀'s
        entries are clipped, the unclipped x̂₀ has a per-entry spread ≈ 50 and is biased), so the target there is the
        ideal PF-ODE velocity at τ ≈ 1, (z₀ − E[x₀|O])/τ₀, with E[x₀|O] estimated by the teacher's endpoint from an
        INDEPENDENT noise draw (`start_mean`; unbiased) — the target whose one-step regression is the conditional
        mean ("mean collapse").
    states_per_traj: how many trajectory states are evaluated per sample (the same cost for every variant): j = 0
      whenever a term supervises it, the rest interior states drawn uniformly without replacement per batch;
      None = all of them.
    """

    velocity_target: str = "flow_map"
    terminal_target: str = "teacher_endpoint"
    lambda_global: float = 1.0
    lambda_terminal: float = 1.0
    loss_type: str = "pseudo_huber"
    huber_delta: float = 0.00054 * 32 ** 0.5  # CP/iCT: 0.00054·√d, d = Ha·Da = 32
    states_per_traj: int | None = None

    def __post_init__(self) -> None:
        for name, value, allowed in (("velocity_target", self.velocity_target, VELOCITY_TARGETS),
                                     ("terminal_target", self.terminal_target, TERMINAL_TARGETS),
                                     ("loss_type", self.loss_type, LOSS_TYPES)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        if self.lambda_global < 0 or self.lambda_terminal < 0:
            raise ValueError(f"loss weights must be >= 0, got {self.lambda_global}, {self.lambda_terminal}")
        if self.lambda_global == 0 and (self.terminal_target == "none" or self.lambda_terminal == 0):
            raise ValueError("both loss terms are off (lambda_global = 0 and no terminal term): nothing to train")
        if self.states_per_traj is not None and self.states_per_traj < 1:
            raise ValueError(f"states_per_traj must be >= 1 or None, got {self.states_per_traj}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rf_input_scale(tau: torch.Tensor) -> torch.Tensor:
    """α + σ as a function of τ (so x = z · scale): 1/√(τ² + (1 − τ)²)."""
    return torch.rsqrt(tau * tau + (1.0 - tau) ** 2)


class OneFlowStudentPolicy(nn.Module):
    checkpoint_kind = "oneflow_student"

    def __init__(self, config: StudentConfig, normalizer: Normalizer):
        super().__init__()
        self.config = config
        self.normalizer = normalizer
        self.backbone = TeacherPolicy(config.backbone, normalizer)  # the network; its sampler/loss are unused
        coef = rf_coefficients(self.backbone.schedule.alphas_cumprod)
        K = config.backbone.num_train_timesteps
        self.tau_start, self.k_start = float(coef["tau"][K - 1]), K - 1
        self.tau_mid, self.k_mid = float(coef["tau"][config.mid_k]), config.mid_k

    @classmethod
    def from_teacher(cls, teacher: TeacherPolicy, name: str = "oneflow_student") -> "OneFlowStudentPolicy":
        """Warm start: a fresh student whose network is a copy of the teacher's weights."""
        student = cls(StudentConfig(backbone=teacher.config, name=name), teacher.normalizer)
        student.backbone.load_state_dict(teacher.state_dict(), strict=True)
        return student

    # -- the network, read as average velocity ------------------------------------------------------------------
    def global_cond(self, state: torch.Tensor, image: torch.Tensor | None = None,
                    generator: torch.Generator | None = None) -> torch.Tensor:
        return self.backbone.global_cond(state, image, generator)

    def average_velocity(self, z: torch.Tensor, tau: torch.Tensor, k: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """u_θ(z, τ, O): z (B, Ha, Da), τ (B,), k (B,) teacher timestep (int or float), cond (B, C) -> (B, Ha, Da)."""
        x = z * rf_input_scale(tau)[:, None, None]
        return self.backbone.unet(x, k, cond)

    def denoise(self, z: torch.Tensor, tau: torch.Tensor, k: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """â_θ(z, τ) = z − τ·u_θ(z, τ): the student's estimate of the ODE endpoint (τ = 0) from (z, τ)."""
        return z - tau[:, None, None] * self.average_velocity(z, tau, k, cond)

    def k_of_tau(self, tau: torch.Tensor) -> torch.Tensor:
        return tau_to_k(tau, self.backbone.schedule.alphas_cumprod).to(tau.device)

    # -- sampling -----------------------------------------------------------------------------------------------
    def sample(self, state: torch.Tensor, image: torch.Tensor | None, noise: torch.Tensor, n_steps: int = 1) -> torch.Tensor:
        """Raw obs + noise (B, S ≥ n_steps, Ha, Da) -> raw actions (B, Ha, Da). 1 network call per step.

        Step 1: z = noise[:, 0]/(α₉₉+σ₉₉) at τ₉₉ → â. Step 2 (optional, CM-style): re-noise â to τ(mid_k) with
        noise[:, 1] and denoise again."""
        if n_steps not in (1, 2):
            raise ValueError(f"n_steps must be 1 or 2, got {n_steps}")
        if noise.shape[1] < n_steps:
            raise ValueError(f"{n_steps}-step sampling needs noise (B, >= {n_steps}, Ha, Da), got {tuple(noise.shape)}")
        cond = self.global_cond(state, image)
        noise = noise.to(cond.device, torch.float32)
        B = noise.shape[0]
        full = lambda v: torch.full((B,), v, dtype=torch.float32, device=cond.device)  # noqa: E731
        tau0 = full(self.tau_start)
        a = self.denoise(noise[:, 0] / rf_input_scale(tau0)[:, None, None], tau0, full(self.k_start), cond)
        if self.config.backbone.clip_sample:
            a = a.clamp(-1.0, 1.0)
        if n_steps == 2:
            tm = full(self.tau_mid)
            z = (1.0 - tm)[:, None, None] * a + tm[:, None, None] * noise[:, 1]
            a = self.denoise(z, tm, full(self.k_mid), cond)
            if self.config.backbone.clip_sample:
                a = a.clamp(-1.0, 1.0)
        return self.backbone.unnormalize_action(a)

    # -- training -----------------------------------------------------------------------------------------------
    def loss(self, cond: torch.Tensor, traj: TeacherTrajectory, demo_action: torch.Tensor | None, cfg: LossConfig,
             generator: torch.Generator | None = None, start_mean: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Distillation loss on a batch of teacher trajectories (term definitions: `LossConfig`).

        cond (B, C) the STUDENT's conditioning (with grad); traj from `rf_frame.teacher_trajectory` (no grad);
        demo_action (B, Ha, Da) normalised demonstration, needed only for terminal_target="demo"; start_mean
        (B, Ha, Da) the teacher's endpoint from an independent noise draw, needed only for "instantaneous".
        Returns {"loss", "global", "terminal", "endpoint_mse"} (scalars; absent terms are 0)."""
        N, B = traj.n_steps, cond.shape[0]
        use_terminal = cfg.terminal_target != "none" and cfg.lambda_terminal > 0
        use_global = cfg.lambda_global > 0
        instantaneous = use_global and cfg.velocity_target == "instantaneous"
        with_start = use_terminal or instantaneous
        js = [0] if with_start else []
        if use_global:
            interior = torch.arange(1, N)
            if cfg.states_per_traj is not None and cfg.states_per_traj - len(js) < len(interior):
                n = max(0, cfg.states_per_traj - len(js))
                interior = interior[torch.randperm(len(interior), generator=generator)[:n]]
            js += interior.tolist()
        if not js:
            raise ValueError(f"no trajectory state is supervised (N = {N} teacher steps, {cfg})")
        J = len(js)
        z = traj.z[js]  # (J, B, Ha, Da)
        tau = traj.tau[js].repeat_interleave(B)  # (J·B,) j-major, matching z.reshape
        k = traj.k[js].repeat_interleave(B)
        u = self.average_velocity(z.reshape(J * B, *z.shape[2:]), tau, k, cond.repeat(J, 1)).reshape(z.shape)
        a_hat = z - traj.tau[js][:, None, None, None] * u  # (J, B, Ha, Da)
        endpoint = traj.endpoint
        zero = a_hat.new_zeros(())
        out = {"global": zero, "terminal": zero}
        if use_global:
            if instantaneous:
                v = traj.v[js]
                if with_start:  # js[0] == 0: the well-conditioned target at τ ≈ 1 (docstring of LossConfig)
                    if start_mean is None:
                        raise ValueError("velocity_target='instantaneous' needs start_mean (an independent teacher "
                                         "endpoint per sample) for the start state j = 0")
                    v = torch.cat([((traj.z[0] - start_mean) / traj.tau[0])[None], v[1:]])
                out["global"] = self._rho(u - v, cfg)
            elif J > int(with_start):  # the interior states only
                out["global"] = self._rho(a_hat[int(with_start):] - endpoint[None], cfg)
        if use_terminal:
            if cfg.terminal_target == "teacher_endpoint":
                target = endpoint
            elif demo_action is None:
                raise ValueError("terminal_target='demo' needs the demonstration action")
            else:
                target = demo_action
            out["terminal"] = self._rho(a_hat[0] - target, cfg)
        out["loss"] = cfg.lambda_global * out["global"] + cfg.lambda_terminal * out["terminal"]
        if with_start:
            one_step = a_hat[0].detach()
        else:  # the diagnostic still needs the one-step output from the start state
            with torch.no_grad():
                t0 = traj.tau[:1].repeat(B)
                one_step = self.denoise(traj.z[0], t0, traj.k[:1].repeat(B), cond)
        out["endpoint_mse"] = ((one_step.clamp(-1, 1) - endpoint) ** 2).mean()
        return out

    @staticmethod
    def _rho(err: torch.Tensor, cfg: LossConfig) -> torch.Tensor:
        """Mean over samples of pseudo-Huber on each (Ha·Da) error vector, or plain MSE."""
        if cfg.loss_type == "mse":
            return (err ** 2).mean()
        sq = (err ** 2).flatten(-2).sum(-1)
        d = cfg.huber_delta
        return (torch.sqrt(sq + d * d) - d).mean()


class OneFlowStudentEvalPolicy:
    """`EvalPolicy` adapter: numpy in, numpy out, no grad; noise_shape (n_steps, Ha, Da) = (1, 16, 2) for one step."""

    def __init__(self, policy: OneFlowStudentPolicy, n_steps: int = 1, device: str | torch.device = "cpu"):
        self.policy = policy.to(device).eval()
        self.n_steps = n_steps
        self.device = torch.device(device)
        cfg = policy.config.backbone
        self.n_obs_steps, self.n_action_steps, self.horizon = cfg.n_obs_steps, cfg.n_action_steps, cfg.horizon
        self.noise_shape = (n_steps, cfg.horizon, cfg.action_dim)
        self.uses_image = cfg.uses_image
        self.name = f"{policy.config.name}:onestep" if n_steps == 1 else f"{policy.config.name}:twostep"

    @torch.no_grad()
    def predict(self, state: np.ndarray, image: np.ndarray | None, noise: np.ndarray) -> np.ndarray:
        s = torch.as_tensor(np.asarray(state, np.float32), device=self.device)
        img = None if image is None or not self.uses_image else torch.as_tensor(np.asarray(image), device=self.device)
        n = torch.as_tensor(np.asarray(noise, np.float32), device=self.device)
        return self.policy.sample(s, img, n, self.n_steps).cpu().numpy().astype(np.float32)


def build_student(config: dict[str, Any], normalizer: Normalizer, state: dict[str, torch.Tensor]) -> OneFlowStudentPolicy:
    """Checkpoint loader for kind "oneflow_student" (registered in checkpoint.py)."""
    policy = OneFlowStudentPolicy(StudentConfig.from_dict(config["policy"]), normalizer)
    policy.load_state_dict(state, strict=True)
    return policy
