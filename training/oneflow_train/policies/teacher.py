"""`TeacherPolicy`: a Diffusion Policy (DDPM, ε-prediction) over Push-T action chunks, from RAW inputs to RAW actions.

Owns the observation encoder, the `ConditionalUnet1D` and the normaliser (as float32 buffers, so the policy moves
between devices and traces into ONNX with normalisation inside). Sampling goes through the pure functions in
`oneflow_train.sampling`; all noise comes from the caller.

    state (B, To, 5) raw ─┬─ keypoints: keypoint_obs_from_state -> (B, To, 20) -> normalise ──┐
                          ├─ state:     normalise (B, To, 5) ─────────────────────────────────┼─ flatten -> cond (B, To·F)
    image (B, To, 96, 96, 3) uint8 -> ImageEncoder (B, To, 64) ‖ normalised agent xy (B,To,2) ┘
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data.keypoints import keypoint_obs_from_state
from ..data.normalizer import Normalizer
from ..models.encoders import ImageEncoder
from ..models.unet1d import ConditionalUnet1D
from ..sampling import add_noise, ddim_sample, ddpm_sample, make_schedule
from .teacher_config import TeacherConfig

OBS_KEY = {"keypoints": "obs", "state": "obs", "image": "agent_pos"}


def obs_features_raw(obs_type: str, state: np.ndarray | torch.Tensor):
    """Raw per-step low-dim features the normaliser's obs key is fit on: (…, 5) state -> (…, F)."""
    if obs_type == "keypoints":
        return keypoint_obs_from_state(state)
    if obs_type == "state":
        return state
    return state[..., :2]


def parse_sampler(sampler: str, num_train_timesteps: int = 100) -> tuple[str, int]:
    """'ddpm100' -> ('ddpm', 100); 'ddim:N' -> ('ddim', N)."""
    if sampler == f"ddpm{num_train_timesteps}" or sampler == "ddpm":
        return "ddpm", num_train_timesteps
    if sampler.startswith("ddim:"):
        n = int(sampler.split(":", 1)[1])
        if not 1 <= n <= num_train_timesteps:
            raise ValueError(f"DDIM steps must be in [1, {num_train_timesteps}], got {n} (sampler {sampler!r})")
        return "ddim", n
    raise ValueError(f"unknown sampler {sampler!r}; expected 'ddpm{num_train_timesteps}' or 'ddim:N'")


class TeacherPolicy(nn.Module):
    def __init__(self, config: TeacherConfig, normalizer: Normalizer):
        super().__init__()
        self.config = config
        self.normalizer = normalizer
        obs_key = OBS_KEY[config.obs_type]
        for prefix, key in (("obs", obs_key), ("action", "action")):
            p = normalizer.params[key] if key in normalizer.params else None
            if p is None:
                raise KeyError(f"normaliser lacks key {key!r} needed by obs_type {config.obs_type!r}: {normalizer.keys()}")
            self.register_buffer(f"{prefix}_scale", torch.as_tensor(p["scale"], dtype=torch.float32).reshape(-1))
            self.register_buffer(f"{prefix}_offset", torch.as_tensor(p["offset"], dtype=torch.float32).reshape(-1))
        self.image_encoder = (
            ImageEncoder(config.image_backbone, config.crop_size, config.num_kp, config.image_feature_dim)
            if config.uses_image else None
        )
        self.unet = ConditionalUnet1D(
            config.action_dim, config.global_cond_dim, config.down_dims, config.kernel_size, config.n_groups,
            config.step_embed_dim,
        )
        self.schedule = make_schedule(config.num_train_timesteps)
        self.register_buffer("alphas_cumprod", self.schedule.alphas_cumprod.clone(), persistent=False)

    # -- normalisation -------------------------------------------------------------------------------------------
    def normalize_action(self, action: torch.Tensor) -> torch.Tensor:
        return action * self.action_scale + self.action_offset

    def unnormalize_action(self, action: torch.Tensor) -> torch.Tensor:
        return (action - self.action_offset) / self.action_scale

    # -- conditioning --------------------------------------------------------------------------------------------
    def global_cond(self, state: torch.Tensor, image: torch.Tensor | None = None,
                    generator: torch.Generator | None = None) -> torch.Tensor:
        """Raw state (B, ≥To, 5) [+ uint8 image (B, ≥To, 96, 96, 3)] -> global conditioning (B, To·F)."""
        To = self.config.n_obs_steps
        state = state[:, :To].to(self.obs_scale.dtype)
        feats = obs_features_raw(self.config.obs_type, state) * self.obs_scale + self.obs_offset  # (B, To, F_low)
        if self.image_encoder is not None:
            if image is None:
                raise ValueError(f"policy {self.config.name!r} needs an image (obs_type 'image')")
            img = image[:, :To]
            B = img.shape[0]
            img_feat = self.image_encoder(img.reshape(B * To, *img.shape[2:]), generator).reshape(B, To, -1)
            feats = torch.cat([img_feat, feats], dim=-1)
        return feats.reshape(feats.shape[0], -1)

    def eps(self, x_t: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.unet(x_t, t, cond)

    # -- training ------------------------------------------------------------------------------------------------
    def loss(self, batch: dict[str, torch.Tensor], generator: torch.Generator | None = None) -> torch.Tensor:
        """DP's DDPM loss: MSE(ε̂(√ᾱ a + √(1-ᾱ) ε, k), ε), k ~ U{0..T-1}; all draws from `generator`."""
        dev = self.obs_scale.device
        action = self.normalize_action(batch["action"].to(dev))
        image = batch.get("image")
        cond = self.global_cond(batch["state"].to(dev), None if image is None else image.to(dev), generator)
        B = action.shape[0]
        noise = torch.randn(action.shape, generator=generator).to(dev)
        t = torch.randint(0, self.config.num_train_timesteps, (B,), generator=generator).to(dev)
        noisy = add_noise(self.schedule, action, noise, t)
        return F.mse_loss(self.unet(noisy, t, cond), noise)

    # -- sampling ------------------------------------------------------------------------------------------------
    def sample(self, state: torch.Tensor, image: torch.Tensor | None, noise: torch.Tensor,
               sampler: str = "ddpm100") -> torch.Tensor:
        """Raw obs + noise -> raw actions (B, Ha, Da). noise (B, 100, Ha, Da) for ddpm100, (B, 1|S, Ha, Da) for ddim:N
        (only noise[:, 0] = x_T is used)."""
        kind, n = parse_sampler(sampler, self.config.num_train_timesteps)
        cond = self.global_cond(state, image)
        noise = noise.to(self.obs_scale.device, torch.float32)
        schedule = self.schedule.to(noise.device)

        def eps_fn(x, t):
            return self.unet(x, t, cond)

        if kind == "ddpm":
            x0 = ddpm_sample(eps_fn, noise, schedule, self.config.clip_sample)
        else:
            x0 = ddim_sample(eps_fn, noise[:, 0], schedule, n, self.config.clip_sample)
        return self.unnormalize_action(x0)

    def noise_shape(self, sampler: str) -> tuple[int, int, int]:
        kind, n = parse_sampler(sampler, self.config.num_train_timesteps)
        S = self.config.num_train_timesteps if kind == "ddpm" else 1
        return (S, self.config.horizon, self.config.action_dim)


class TeacherEvalPolicy:
    """`EvalPolicy` adapter (evaluation/policy_api.py): numpy in, numpy out, EMA/eval mode, no grad."""

    def __init__(self, policy: TeacherPolicy, sampler: str = "ddpm100", device: str | torch.device = "cpu"):
        self.policy = policy.to(device).eval()
        self.sampler = sampler
        self.device = torch.device(device)
        cfg = policy.config
        self.n_obs_steps, self.n_action_steps, self.horizon = cfg.n_obs_steps, cfg.n_action_steps, cfg.horizon
        self.noise_shape = policy.noise_shape(sampler)
        self.uses_image = cfg.uses_image
        self.name = f"{cfg.name}:{sampler}"

    @torch.no_grad()
    def predict(self, state: np.ndarray, image: np.ndarray | None, noise: np.ndarray) -> np.ndarray:
        s = torch.as_tensor(np.asarray(state, np.float32), device=self.device)
        img = None if image is None or not self.uses_image else torch.as_tensor(np.asarray(image), device=self.device)
        n = torch.as_tensor(np.asarray(noise, np.float32), device=self.device)
        return self.policy.sample(s, img, n, self.sampler).cpu().numpy().astype(np.float32)
