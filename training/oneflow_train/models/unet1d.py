"""ConditionalUnet1D: Diffusion Policy's 1-D temporal U-Net denoiser with FiLM conditioning.

Architecture as Chi et al. (arXiv 2303.04137) define it (see ../shared/docs/pusht.md §4.1); written for OneFlow.

    x_t (B, Ha, Da) ──► down: [ResBlock, ResBlock, Downsample] × L (no downsample at the last level)
                        mid:  [ResBlock, ResBlock]
                        up:   [concat skip, ResBlock, ResBlock, Upsample] × (L-1)
                        final: Conv1dBlock + 1×1 conv ──► ε̂ (B, Ha, Da)
    every ResBlock gets FiLM (per-channel scale, bias) from cond = [step-embedding(t) ‖ global_cond].

Two options for consistency-trajectory students (CP, baselines/cp_student.py), both off by default so the teacher's
network and state_dict are unchanged: `n_time_inputs=2` adds a second time input s (the stop time), embedded by the
SAME step encoder, cond = [emb(t) ‖ emb(s) ‖ global_cond] (CP's CTM U-Net); `dropout` > 0 puts dropout after the
first conv of every down/up ResBlock and after its residual sum (where CP's U-Net has it; not in the mid blocks).

As in DP, the skip of the first level is computed but never consumed (the up path has L-1 levels); keeping it
makes parameter counts and shapes match DP exactly (65.8 M for the lowdim widths 256/512/1024).
"""
from __future__ import annotations

import math

import torch
from torch import nn


class SinusoidalStepEmbedding(nn.Module):
    """t (B,) -> (B, dim): [sin(t·f_i) ‖ cos(t·f_i)], f_i = 10000^(-i/(dim/2-1))."""

    def __init__(self, dim: int):
        super().__init__()
        if dim % 2 or dim < 4:
            raise ValueError(f"step embedding dim must be even and >= 4, got {dim}")
        half = dim // 2
        freqs = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000.0) / (half - 1)))
        self.register_buffer("freqs", freqs, persistent=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        args = t.to(torch.float32)[:, None] * self.freqs[None, :]  # (B, half)
        return torch.cat([args.sin(), args.cos()], dim=-1)


class Conv1dBlock(nn.Module):
    """Conv1d (same padding) -> GroupNorm -> Mish."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, n_groups: int):
        super().__init__()
        if out_ch % n_groups:
            raise ValueError(f"channels {out_ch} must be divisible by n_groups {n_groups}")
        self.block = nn.Sequential(
            nn.Conv1d(in_ch, out_ch, kernel_size, padding=kernel_size // 2),
            nn.GroupNorm(n_groups, out_ch),
            nn.Mish(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class ConditionalResBlock1D(nn.Module):
    """Two Conv1dBlocks; FiLM (scale, bias) from cond applied after the first; 1×1 residual conv if widths differ."""

    def __init__(self, in_ch: int, out_ch: int, cond_dim: int, kernel_size: int, n_groups: int, dropout: float = 0.0):
        super().__init__()
        self.conv1 = Conv1dBlock(in_ch, out_ch, kernel_size, n_groups)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()  # no parameters: state_dict unchanged
        self.conv2 = Conv1dBlock(out_ch, out_ch, kernel_size, n_groups)
        self.cond_encoder = nn.Sequential(nn.Mish(), nn.Linear(cond_dim, 2 * out_ch))
        self.residual_conv = nn.Conv1d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()
        self.out_ch = out_ch

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        out = self.dropout(self.conv1(x))  # (B, C, T)
        film = self.cond_encoder(cond)  # (B, 2C)
        scale, bias = film[:, : self.out_ch, None], film[:, self.out_ch :, None]
        out = self.conv2(scale * out + bias)
        return self.dropout(out + self.residual_conv(x))


class ConditionalUnet1D(nn.Module):
    def __init__(
        self,
        action_dim: int,
        global_cond_dim: int,
        down_dims: tuple[int, ...] = (256, 512, 1024),
        kernel_size: int = 5,
        n_groups: int = 8,
        step_embed_dim: int = 256,
        n_time_inputs: int = 1,
        dropout: float = 0.0,
    ):
        super().__init__()
        if n_time_inputs not in (1, 2) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"n_time_inputs must be 1 or 2 and dropout in [0, 1), got {n_time_inputs}, {dropout}")
        dims = [action_dim, *down_dims]
        in_out = list(zip(dims[:-1], dims[1:]))
        cond_dim = n_time_inputs * step_embed_dim + global_cond_dim
        self.n_time_inputs = n_time_inputs
        self.step_encoder = nn.Sequential(
            SinusoidalStepEmbedding(step_embed_dim),
            nn.Linear(step_embed_dim, 4 * step_embed_dim),
            nn.Mish(),
            nn.Linear(4 * step_embed_dim, step_embed_dim),
        )

        def res(i: int, o: int, p: float = 0.0) -> ConditionalResBlock1D:
            return ConditionalResBlock1D(i, o, cond_dim, kernel_size, n_groups, p)

        self.down = nn.ModuleList()
        for level, (d_in, d_out) in enumerate(in_out):
            last = level == len(in_out) - 1
            resample = nn.Identity() if last else nn.Conv1d(d_out, d_out, 3, stride=2, padding=1)
            self.down.append(nn.ModuleList([res(d_in, d_out, dropout), res(d_out, d_out, dropout), resample]))
        self.mid = nn.ModuleList([res(dims[-1], dims[-1]), res(dims[-1], dims[-1])])
        self.up = nn.ModuleList()
        for d_in, d_out in reversed(in_out[1:]):
            self.up.append(nn.ModuleList([
                res(2 * d_out, d_in, dropout), res(d_in, d_in, dropout),
                nn.ConvTranspose1d(d_in, d_in, 4, stride=2, padding=1)
            ]))
        self.final = nn.Sequential(
            Conv1dBlock(down_dims[0], down_dims[0], kernel_size, n_groups), nn.Conv1d(down_dims[0], action_dim, 1)
        )
        self.horizon_multiple = 2 ** (len(down_dims) - 1)

    def forward(self, x: torch.Tensor, t: torch.Tensor, global_cond: torch.Tensor,
                s: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, Ha, Da), t (B,) or scalar, global_cond (B, C) [, s (B,) or scalar: the stop time, only and always
        with n_time_inputs = 2] -> (B, Ha, Da)."""
        if x.shape[1] % self.horizon_multiple:
            raise ValueError(f"horizon {x.shape[1]} must be a multiple of {self.horizon_multiple}")
        if (s is not None) != (self.n_time_inputs == 2):
            raise ValueError(f"this U-Net takes {self.n_time_inputs} time input(s); stop time s given: {s is not None}")
        times = [t] if s is None else [t, s]
        embs = [self.step_encoder(v.reshape(-1).expand(x.shape[0]) if v.numel() == 1 else v) for v in times]
        cond = torch.cat([*embs, global_cond], dim=-1)  # ONNX-friendly broadcast of scalar times above
        h = x.transpose(1, 2)  # (B, Da, Ha)
        skips = []
        for res1, res2, down in self.down:
            h = res2(res1(h, cond), cond)
            skips.append(h)
            h = down(h)
        for block in self.mid:
            h = block(h, cond)
        for res1, res2, up in self.up:
            h = torch.cat([h, skips.pop()], dim=1)
            h = up(res2(res1(h, cond), cond))
        return self.final(h).transpose(1, 2)
