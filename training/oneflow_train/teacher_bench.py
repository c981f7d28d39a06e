"""Per-step training cost of a teacher configuration (forward + backward + AdamW + EMA) on synthetic batches.

Synthetic raw inputs in the Push-T ranges (positions 0…512 px, angle 0…2π, random uint8 images) exercise exactly
the same compute as real batches; only the data gather (≈ 1 ms for low-dim) is left out.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from .data.normalizer import Normalizer
from .ema import Ema
from .policies.teacher import OBS_KEY, TeacherPolicy, obs_features_raw
from .policies.teacher_config import TeacherConfig


def synthetic_batch(cfg: TeacherConfig, batch_size: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
    state = torch.rand(batch_size, cfg.horizon, 5, generator=gen) * torch.tensor([512, 512, 512, 512, 2 * np.pi])
    out = {"state": state, "action": torch.rand(batch_size, cfg.horizon, 2, generator=gen) * 512}
    if cfg.uses_image:
        out["image"] = torch.randint(0, 256, (batch_size, cfg.n_obs_steps, 96, 96, 3), generator=gen, dtype=torch.uint8)
    return out


def synthetic_normalizer(cfg: TeacherConfig) -> Normalizer:
    gen = torch.Generator().manual_seed(0)
    b = synthetic_batch(cfg, 64, gen)
    state = b["state"].reshape(-1, 5).numpy()
    return Normalizer().fit({OBS_KEY[cfg.obs_type]: obs_features_raw(cfg.obs_type, state.astype(np.float64)),
                             "action": b["action"].reshape(-1, 2).numpy()})


def bench_train_step(cfg: TeacherConfig, batch_size: int, n_steps: int = 5, warmup: int = 2,
                     device: str = "cpu") -> dict[str, float]:
    policy = TeacherPolicy(cfg, synthetic_normalizer(cfg)).to(device).train()
    ema = Ema(policy)
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-4, betas=(0.95, 0.999), weight_decay=1e-6)
    gen = torch.Generator().manual_seed(0)
    batch = synthetic_batch(cfg, batch_size, gen)
    times, cpu_times = [], []
    for i in range(warmup + n_steps):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0, c0 = time.perf_counter(), time.process_time()
        loss = policy.loss(batch, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ema.update(policy)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)
    n_params = sum(p.numel() for p in policy.parameters())
    return {"name": cfg.name, "batch_size": batch_size, "ms_per_step_median": 1000 * float(np.median(times)),
            "ms_per_step_min": 1000 * float(np.min(times)),
            # process CPU time: on a shared machine this is the cost without the waiting (1 thread: ≈ wall unloaded)
            "cpu_ms_per_step_median": 1000 * float(np.median(cpu_times)), "n_steps": n_steps, "params": n_params,
            "params_unet": sum(p.numel() for p in policy.unet.parameters()),
            "threads": torch.get_num_threads(), "device": device}
