"""Spatial-softmax keypoint pooling (robomimic `SpatialSoftmax`, as DP's image encoder uses it).

(B, C, H, W) -> 1×1 conv to K maps -> softmax over H·W -> expected (x, y) in [-1, 1] per map -> (B, 2K).
"""
from __future__ import annotations

import torch
from torch import nn


class SpatialSoftmax(nn.Module):
    def __init__(self, in_channels: int, height: int, width: int, num_kp: int = 32, temperature: float = 1.0):
        super().__init__()
        self.keypoint_conv = nn.Conv2d(in_channels, num_kp, kernel_size=1)
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij")
        self.register_buffer("pos_x", xs.reshape(1, 1, -1), persistent=False)
        self.register_buffer("pos_y", ys.reshape(1, 1, -1), persistent=False)
        self.temperature = temperature
        self.num_kp = num_kp

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        maps = self.keypoint_conv(feat).flatten(2)  # (B, K, H·W)
        attn = torch.softmax(maps / self.temperature, dim=-1)
        x = (attn * self.pos_x).sum(-1)
        y = (attn * self.pos_y).sum(-1)
        return torch.stack([x, y], dim=-1).flatten(1)  # (B, 2K), (x, y) pairs per keypoint
