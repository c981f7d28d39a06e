"""`TeacherConfig`: the one frozen description of a Diffusion Policy teacher (architecture + sampling constants).

Saved as config.json["policy"] with every checkpoint and rebuilt from it (`TeacherConfig.from_dict`).
Paper symbols: To = n_obs_steps, Ta = n_action_steps, Ha = horizon, Da = action_dim.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

from ..config_fields import known_fields

OBS_TYPES = ("keypoints", "state", "image")
IMAGE_BACKBONES = ("small_cnn", "resnet18")
PER_STEP_LOWDIM = {"keypoints": 20, "state": 5}  # keypoints: 9×2 block keypoints + agent xy (DP pusht_lowdim order)


@dataclass(frozen=True)
class TeacherConfig:
    name: str = "teacher"
    obs_type: str = "keypoints"
    horizon: int = 16
    n_obs_steps: int = 2
    n_action_steps: int = 8
    action_dim: int = 2
    down_dims: tuple[int, ...] = (256, 512, 1024)
    kernel_size: int = 5
    n_groups: int = 8
    step_embed_dim: int = 256
    image_backbone: str = "resnet18"
    crop_size: int = 84
    num_kp: int = 32
    image_feature_dim: int = 64
    num_train_timesteps: int = 100
    clip_sample: bool = True

    def __post_init__(self) -> None:
        if self.obs_type not in OBS_TYPES:
            raise ValueError(f"obs_type {self.obs_type!r} not in {OBS_TYPES}")
        if self.image_backbone not in IMAGE_BACKBONES:
            raise ValueError(f"image_backbone {self.image_backbone!r} not in {IMAGE_BACKBONES}")
        mult = 2 ** (len(self.down_dims) - 1)
        if self.horizon % mult:
            raise ValueError(f"horizon={self.horizon} must be a multiple of 2**(len(down_dims)-1)={mult}")
        if self.horizon < self.n_obs_steps - 1 + self.n_action_steps:
            raise ValueError(f"horizon={self.horizon} < n_obs_steps-1+n_action_steps")
        object.__setattr__(self, "down_dims", tuple(int(d) for d in self.down_dims))

    @property
    def uses_image(self) -> bool:
        return self.obs_type == "image"

    @property
    def obs_feature_dim(self) -> int:
        """Per-step feature width: 20 (keypoints), 5 (state) or image_feature_dim + 2 (image + agent xy)."""
        return self.image_feature_dim + 2 if self.uses_image else PER_STEP_LOWDIM[self.obs_type]

    @property
    def global_cond_dim(self) -> int:
        return self.n_obs_steps * self.obs_feature_dim

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["down_dims"] = list(self.down_dims)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TeacherConfig":
        return cls(**{k: (tuple(v) if k == "down_dims" else v) for k, v in known_fields(cls, d).items()})
