"""ResNet-18 trunk with GroupNorm (groups = channels/16), no pretraining, no avg-pool/fc (robomimic ResNet18Conv).

DP replaces every BatchNorm with GroupNorm(num_features // 16) for EMA stability (pusht.md §4.2).
Input (B, 3, 84, 84) -> (B, 512, 3, 3).
"""
from __future__ import annotations

import torch
from torch import nn


def _gn(ch: int) -> nn.GroupNorm:
    return nn.GroupNorm(ch // 16, ch)


class BasicBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = _gn(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = _gn(out_ch)
        self.downsample = (
            nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), _gn(out_ch))
            if stride != 1 or in_ch != out_ch
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.downsample(x))


class ResNet18GN(nn.Module):
    out_channels = 512

    def __init__(self, in_channels: int = 3):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False), _gn(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)
        )
        layers, ch = [], 64
        for out_ch, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(nn.Sequential(BasicBlock(ch, out_ch, stride), BasicBlock(out_ch, out_ch, 1)))
            ch = out_ch
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(self.stem(x))
