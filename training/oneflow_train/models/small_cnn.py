"""A small conv trunk for CPU-scale image teachers: 4 stride-2 convs with GroupNorm + Mish.

Input (B, 3, 84, 84) -> (B, 64, 6, 6). ≈ 0.1 M parameters (ResNet-18 GN: 11.2 M).
"""
from __future__ import annotations

import torch
from torch import nn


class SmallCnn(nn.Module):
    def __init__(self, in_channels: int = 3, widths: tuple[int, ...] = (32, 64, 64, 64), n_groups: int = 8):
        super().__init__()
        layers, ch = [], in_channels
        for w in widths:
            layers += [nn.Conv2d(ch, w, 3, stride=2, padding=1), nn.GroupNorm(n_groups, w), nn.Mish()]
            ch = w
        self.net = nn.Sequential(*layers)
        self.out_channels = ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
