"""Observation encoders: per-step image features (crop -> trunk -> spatial softmax -> Linear) and crop helpers.

Low-dimensional observations need no network: the policy flattens the normalised per-step features over To
(keypoints 20-d or state 5-d per step, DP's `obs_as_global_cond`). Images follow DP's hybrid policy
(pusht.md §4.2): uint8 HWC -> [-1, 1], random 84×84 crop in training, centre crop in evaluation, one trunk shared by
all steps, SpatialSoftmax(32 keypoints) -> 64 -> Linear -> 64-d feature per image.
"""
from __future__ import annotations

import torch
from torch import nn

from .resnet18 import ResNet18GN
from .small_cnn import SmallCnn
from .spatial_softmax import SpatialSoftmax

BACKBONES = ("small_cnn", "resnet18")


def center_crop(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, size, size), the centred window (static slicing, ONNX-exportable)."""
    h, w = images.shape[-2:]
    top, left = (h - size) // 2, (w - size) // 2
    return images[..., top : top + size, left : left + size]


def random_crop(images: torch.Tensor, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, size, size), an independent uniformly placed window per image."""
    n, _, h, w = images.shape
    if size > min(h, w):
        raise ValueError(f"crop {size} larger than image {h}x{w}")
    dev = images.device
    top = torch.randint(0, h - size + 1, (n,), generator=generator, device="cpu").to(dev)
    left = torch.randint(0, w - size + 1, (n,), generator=generator, device="cpu").to(dev)
    ar = torch.arange(size, device=dev)
    rows = (top[:, None] + ar)[:, :, None]  # (N, size, 1)
    cols = (left[:, None] + ar)[:, None, :]  # (N, 1, size)
    idx = torch.arange(n, device=dev)[:, None, None]
    return images.permute(0, 2, 3, 1)[idx, rows, cols].permute(0, 3, 1, 2)


class ImageEncoder(nn.Module):
    """uint8 images (N, H, W, 3) -> features (N, feature_dim)."""

    def __init__(self, backbone: str = "resnet18", crop_size: int = 84, num_kp: int = 32, feature_dim: int = 64):
        super().__init__()
        if backbone == "resnet18":
            self.backbone = ResNet18GN()
        elif backbone == "small_cnn":
            self.backbone = SmallCnn()
        else:
            raise ValueError(f"unknown image backbone {backbone!r}; expected one of {BACKBONES}")
        with torch.no_grad():
            _, c, fh, fw = self.backbone(torch.zeros(1, 3, crop_size, crop_size)).shape
        self.pool = SpatialSoftmax(c, fh, fw, num_kp=num_kp)
        self.out = nn.Linear(2 * num_kp, feature_dim)
        self.crop_size = crop_size
        self.feature_dim = feature_dim

    def forward(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        x = images.permute(0, 3, 1, 2).to(torch.float32) * (2.0 / 255.0) - 1.0  # (N, 3, H, W) in [-1, 1]
        x = random_crop(x, self.crop_size, generator) if self.training else center_crop(x, self.crop_size)
        return self.out(self.pool(self.backbone(x)))
