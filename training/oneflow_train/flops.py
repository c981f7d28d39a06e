"""FLOPs per inference of a PyTorch policy, counted with forward hooks while its own sampler runs.

Rule (the same as `oneflow inspect`, src/onnx/flops.ts): 2 FLOPs per multiply-accumulate of nn.Conv1d/2d/3d,
nn.ConvTranspose1d/2d/3d and nn.Linear; bias adds, norms, activations and functional matmuls are not counted. The
count is independent of the ONNX graph: it watches the PyTorch modules execute during one real `sample` call with
batch 1, so a DDPM-100 teacher's UNet is counted 100 times because it runs 100 times.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


@dataclass(frozen=True)
class FlopCount:
    total: int
    by_module_type: dict[str, int]
    module_calls: int  # hooked module executions


def module_flops(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> int:
    """FLOPs (2·MACs) of one execution of a counted module, 0 for anything else."""
    if isinstance(module, _CONV):
        per_out = (module.in_channels // module.groups) * math.prod(module.kernel_size)
        return 2 * output.numel() * per_out
    if isinstance(module, _CONV_T):
        per_in = (module.out_channels // module.groups) * math.prod(module.kernel_size)
        return 2 * inputs[0].numel() * per_in
    if isinstance(module, nn.Linear):
        return 2 * output.numel() * module.in_features
    return 0


def count_flops(policy: nn.Module, sampler: str, state: np.ndarray, noise: np.ndarray,
                image: np.ndarray | None = None) -> FlopCount:
    """Runs `policy`'s sampler once on batch-1 inputs with hooks on every counted module."""
    from .export_parity import torch_predict  # the same call path the ONNX parity check uses

    if state.shape[0] != 1 or noise.shape[0] != 1:
        raise ValueError(f"count FLOPs per inference with batch 1, got state {state.shape}, noise {noise.shape}")
    by_type: Counter[str] = Counter()
    calls = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal calls
        calls += 1
        by_type[type(module).__name__] += module_flops(module, inputs, output)

    handles = [m.register_forward_hook(hook) for m in policy.modules() if isinstance(m, (*_CONV, *_CONV_T, nn.Linear))]
    try:
        torch_predict(policy, sampler, state, noise, image)
    finally:
        for h in handles:
            h.remove()
    return FlopCount(int(sum(by_type.values())), dict(by_type), calls)
