"""Why the teacher's x̂₀ at the pure-noise state (k = K−1, τ ≈ 1) is unusable: how much of DDIM-1's output is clipped,
how wide the unclipped x̂₀ spreads over noise draws, against the DDIM-16 endpoints from the same draws.

Usage: .venv/bin/python training/scripts/ddim1_saturation.py [teacher_dir] [n_windows] [n_draws]
(defaults: models/teacher_keypoints_cpu, 8 windows spread over validation episodes 18 and 90, 64 draws; 1 thread).
Prints one JSON line. Quoted in docs/teacher.md (DDIM-1) and docs/oneflow.md §1 (literal-velocity target).
"""
import json
import sys

import numpy as np
import torch

from oneflow_train.checkpoint import load_checkpoint
from oneflow_train.data.pusht import PushTSequenceDataset, load_replay_buffer
from oneflow_train.distill import solve_teacher
from oneflow_train.rf_frame import rf_coefficients
from oneflow_train.sampling import ddim_timesteps

teacher_dir = sys.argv[1] if len(sys.argv) > 1 else "models/teacher_keypoints_cpu"
n_windows = int(sys.argv[2]) if len(sys.argv) > 2 else 8
n_draws = int(sys.argv[3]) if len(sys.argv) > 3 else 64
torch.set_num_threads(1)
teacher = load_checkpoint(teacher_dir).eval()
cfg = teacher.config
ds = PushTSequenceDataset(load_replay_buffer(), [18, 90], horizon=cfg.horizon, n_obs_steps=cfg.n_obs_steps,
                          n_action_steps=cfg.n_action_steps)
state = ds.get_batch(np.linspace(0, len(ds) - 1, n_windows).astype(int))["state"].repeat_interleave(n_draws, 0)
noise = torch.randn(len(state), cfg.horizon, cfg.action_dim, generator=torch.Generator().manual_seed(0))
coef = rf_coefficients(teacher.alphas_cumprod)
k = cfg.num_train_timesteps - 1
alpha, sigma = float(coef["alpha"][k]), float(coef["sigma"][k])
with torch.no_grad():
    eps = teacher.unet(noise, torch.full((len(state),), k), teacher.global_cond(state))
    x0 = ((noise - sigma * eps) / alpha).reshape(n_windows, n_draws, cfg.horizon, cfg.action_dim)
    end = solve_teacher(teacher, state, None, noise, ddim_timesteps(16, cfg.num_train_timesteps)).endpoint
end = end.reshape(x0.shape)
print(json.dumps({
    "teacher": teacher_dir, "k": k, "alpha": alpha, "windows": n_windows, "draws": n_draws,
    "ddim1_fraction_clipped": float((x0.abs() > 1).float().mean()),
    "unclipped_x0_std_over_draws_median": float(x0.std(1).median()),
    "unclipped_x0_mean_minus_ddim16_mean_abs": float((x0.mean(1) - end.mean(1)).abs().mean()),
    "ddim16_endpoint_std_over_draws_median": float(end.std(1).median()),
}))
