"""OneFlow-DP distillation: a frozen DDPM teacher -> a one-step flow student (`distillation.md` §4).

Reads top to bottom: load the teacher (a LOCAL, never a student submodule) -> warm-start the student from it ->
for every batch: draw noise, solve the teacher's PF-ODE (DDIM trailing, N steps) in the RF frame keeping every
state, compute the student's global + terminal losses, AdamW step, EMA -> per epoch: paired endpoint MSE on
validation observations, checkpoint (EMA weights), loss curves.

Teacher trajectories are generated ONLINE by default (fresh noise every batch, the teacher sees the student's crop);
`trajectories="per_epoch"` generates the whole epoch's trajectories up front in large no-grad batches instead —
docs/oneflow.md records the measured cost of both on the 2-core CPU.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from tqdm import tqdm

from .config_fields import known_fields
from .checkpoint import load_checkpoint, read_config, save_checkpoint
from .data.pusht import PushTSequenceDataset, load_replay_buffer, split_episodes
from .ema import Ema
from .lr_schedule import make_lr_scheduler
from .policies.oneflow_student import LossConfig, OneFlowStudentPolicy
from .policies.teacher import TeacherPolicy
from .rf_frame import TeacherTrajectory, teacher_trajectory
from .sampling import ddim_timesteps

TRAJECTORY_MODES = ("online", "per_epoch")


@dataclass(frozen=True)
class DistillConfig:
    name: str = "student"
    epochs: int = 20
    batch_size: int = 64
    max_batches_per_epoch: int | None = None  # reduced-scale runs (ablations, smoke tests)
    lr: float = 1e-4
    betas: tuple[float, float] = (0.95, 0.999)
    weight_decay: float = 1e-6
    warmup_steps: int = 500
    teacher_steps: int = 16
    trajectories: str = "online"
    loss: LossConfig = field(default_factory=LossConfig)
    use_ema: bool = True
    seed: int = 0
    checkpoint_every_epochs: int = 5
    val_samples: int = 256  # paired endpoint MSE on this many validation windows per epoch (0 = off)
    zarr_path: str | None = None
    max_train_episodes: int | None = 90  # the split must match the teacher's; read from its checkpoint if there
    val_ratio: float = 0.02
    split_seed: int = 42
    time_budget_s: float | None = None  # stop after the epoch that would overrun this wall time (summary says so)

    def __post_init__(self) -> None:
        if self.trajectories not in TRAJECTORY_MODES:
            raise ValueError(f"trajectories must be one of {TRAJECTORY_MODES}, got {self.trajectories!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.teacher_steps < 1:
            raise ValueError(f"epochs, batch_size, teacher_steps must be >= 1, got {self.epochs}, {self.batch_size}, "
                             f"{self.teacher_steps}")
        if isinstance(self.loss, Mapping):
            object.__setattr__(self, "loss", LossConfig(**self.loss))
        object.__setattr__(self, "betas", tuple(self.betas))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "DistillConfig":
        return cls(**known_fields(cls, d))


def teacher_split(teacher_dir: Path, cfg: DistillConfig, n_episodes: int) -> tuple[np.ndarray, np.ndarray]:
    """The teacher's own train/val episodes when its checkpoint records them, else the configured DP split."""
    tconf = read_config(teacher_dir)
    for holder in (tconf, tconf.get("provenance", {}), tconf.get("data", {})):
        if isinstance(holder, dict) and "train_episodes" in holder and "val_episodes" in holder:
            return np.asarray(holder["train_episodes"], np.int64), np.asarray(holder["val_episodes"], np.int64)
    return split_episodes(n_episodes, cfg.max_train_episodes, cfg.val_ratio, cfg.split_seed)


def solve_teacher(teacher: TeacherPolicy, state: torch.Tensor, image: torch.Tensor | None, noise: torch.Tensor,
                  timesteps: list[int], crop_seed: int | None = None) -> TeacherTrajectory:
    """The teacher's PF-ODE trajectories for a batch (no grad). With images, the teacher's encoder takes the random
    crop drawn from `crop_seed` — the same crop the student's encoder draws from the same seed."""
    with torch.no_grad():
        gen = None if crop_seed is None else torch.Generator().manual_seed(crop_seed)
        cond = teacher.global_cond(state, image, gen)
        return teacher_trajectory(lambda x, k: teacher.unet(x, k, cond), noise, teacher.alphas_cumprod, timesteps,
                                  teacher.config.clip_sample)


def _batch_to(batch: dict[str, torch.Tensor], device: torch.device) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    image = batch.get("image")
    return batch["state"].to(device), None if image is None else image.to(device), batch["action"].to(device)


@torch.no_grad()
def paired_endpoint_mse(student: OneFlowStudentPolicy, teacher: TeacherPolicy, dataset: PushTSequenceDataset,
                        n: int, timesteps: list[int], device: torch.device, seed: int = 1234) -> float:
    """Mean squared error (normalised units) between the one-step student and the teacher's DDIM endpoint from the
    SAME noise, over the first n windows of `dataset` (fixed noise seed: comparable across epochs)."""
    g = torch.Generator().manual_seed(seed)
    idx = np.arange(min(n, len(dataset)))
    errs = []
    for start in range(0, len(idx), 128):
        state, image, _ = _batch_to(dataset.get_batch(idx[start:start + 128]), device)
        bcfg = student.config.backbone
        noise = torch.randn((len(state), 1, bcfg.horizon, bcfg.action_dim), generator=g).to(device)
        end = solve_teacher(teacher, state, image, noise[:, 0], timesteps).endpoint
        a = student.backbone.normalize_action(student.sample(state, image, noise, 1))
        errs.append(((a - end) ** 2).mean(dim=(1, 2)))
    return float(torch.cat(errs).mean()) if errs else float("nan")


def save_loss_plot(history: list[dict[str, float]], epochs: list[dict[str, float]], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    steps = np.arange(len(history))
    for key in ("loss", "global", "terminal"):
        y = np.array([h[key] for h in history])
        if np.any(y > 0):
            w = max(1, len(y) // 50)
            axes[0].plot(steps[w - 1:], np.convolve(y, np.ones(w) / w, mode="valid"), label=key)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("optimisation step")
    axes[0].set_title("distillation losses (moving mean)")
    axes[0].legend()
    if epochs:
        axes[1].plot([e["epoch"] for e in epochs], [e["val_endpoint_mse"] for e in epochs], "o-")
    axes[1].set_xlabel("epoch")
    axes[1].set_yscale("log")
    axes[1].set_title("one-step vs teacher DDIM endpoint MSE (val, same noise)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def distill(teacher_dir: str | Path, cfg: DistillConfig, out_dir: str | Path, device: str = "cpu",
            command: str = "", dataset: PushTSequenceDataset | None = None,
            val_dataset: PushTSequenceDataset | None = None) -> dict[str, Any]:
    """Run the distillation; returns a summary dict (also written to out_dir/summary.json)."""
    teacher_dir, out = Path(teacher_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = torch.device(device)
    torch.manual_seed(cfg.seed)
    teacher = load_checkpoint(teacher_dir, dev).requires_grad_(False)
    if teacher.image_encoder is not None:
        teacher.image_encoder.train()  # random crop (GroupNorm only: no batch statistics change in train mode)
    tcfg = teacher.config
    if dataset is None:
        buf = load_replay_buffer(cfg.zarr_path)
        train_eps, val_eps = teacher_split(teacher_dir, cfg, buf.n_episodes)
        kw = dict(horizon=tcfg.horizon, n_obs_steps=tcfg.n_obs_steps, n_action_steps=tcfg.n_action_steps,
                  with_image=tcfg.uses_image)
        dataset = PushTSequenceDataset(buf, train_eps, **kw)
        val_dataset = PushTSequenceDataset(buf, val_eps, **kw) if len(val_eps) else None
    student = OneFlowStudentPolicy.from_teacher(teacher, name=cfg.name).to(dev).train()
    ema = Ema(student) if cfg.use_ema else None
    opt = torch.optim.AdamW(student.parameters(), lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    n_batches = math.ceil(len(dataset) / cfg.batch_size)
    if cfg.max_batches_per_epoch is not None:
        n_batches = min(n_batches, cfg.max_batches_per_epoch)
    total = n_batches * cfg.epochs
    sched = make_lr_scheduler(opt, min(cfg.warmup_steps, total // 10), total)
    ks = ddim_timesteps(cfg.teacher_steps, tcfg.num_train_timesteps)
    gen = torch.Generator().manual_seed(cfg.seed)
    shape = (tcfg.horizon, tcfg.action_dim)
    history, epoch_log = [], []
    extra = {"distill": cfg.to_dict(), "teacher": {"dir": str(teacher_dir), "config": read_config(teacher_dir)},
             "provenance": {"command": command, "seed": cfg.seed, "train_episodes": dataset.episodes.tolist()}}
    t_start = time.time()
    timing = {"teacher_s": 0.0, "student_s": 0.0}
    for epoch in range(1, cfg.epochs + 1):
        perm = torch.randperm(len(dataset), generator=gen).numpy()[: n_batches * cfg.batch_size]
        batches = [perm[i:i + cfg.batch_size] for i in range(0, len(perm), cfg.batch_size)]
        noise_all = torch.randn((len(perm), *shape), generator=gen)
        noises = [noise_all[i:i + cfg.batch_size] for i in range(0, len(perm), cfg.batch_size)]
        crop_seeds = torch.randint(0, 2 ** 62, (len(batches),), generator=gen).tolist() if tcfg.uses_image else None
        cached = None
        if cfg.trajectories == "per_epoch":  # the whole epoch's teacher solves up front, in no-grad chunks of 512
            t0 = time.time()
            parts = []
            for c in range(0, len(perm), 512):
                state, image, _ = _batch_to(dataset.get_batch(perm[c:c + 512]), dev)
                parts.append(solve_teacher(teacher, state, image, noise_all[c:c + 512].to(dev), ks, None))
            zs, vs = torch.cat([p.z for p in parts], 1), torch.cat([p.v for p in parts], 1)
            cached = [TeacherTrajectory(zs[:, i:i + cfg.batch_size], vs[:, i:i + cfg.batch_size], parts[0].tau,
                                        parts[0].k) for i in range(0, len(perm), cfg.batch_size)]
            timing["teacher_s"] += time.time() - t0
        bar = tqdm(range(len(batches)), desc=f"distill {epoch}/{cfg.epochs}", leave=False, mininterval=5)
        for i in bar:
            state, image, action = _batch_to(dataset.get_batch(batches[i]), dev)
            crop = None if crop_seeds is None else crop_seeds[i]
            t0 = time.time()
            traj = cached[i] if cached is not None else solve_teacher(teacher, state, image, noises[i].to(dev), ks, crop)
            t1 = time.time()
            cond = student.global_cond(state, image, None if crop is None else torch.Generator().manual_seed(crop))
            terms = student.loss(cond, traj, student.backbone.normalize_action(action), cfg.loss, gen)
            opt.zero_grad(set_to_none=True)
            terms["loss"].backward()
            opt.step()
            sched.step()
            if ema is not None:
                ema.update(student)
            timing["teacher_s"] += t1 - t0
            timing["student_s"] += time.time() - t1
            history.append({k: float(v.detach()) for k, v in terms.items()})
            bar.set_postfix(loss=f"{history[-1]['loss']:.4f}", ep_mse=f"{history[-1]['endpoint_mse']:.4f}")
        model = ema.model if ema is not None else student
        val_mse = (paired_endpoint_mse(model, teacher, val_dataset, cfg.val_samples, ks, dev)
                   if val_dataset is not None and cfg.val_samples > 0 else float("nan"))
        recent = history[-len(batches):]
        epoch_log.append({"epoch": epoch, "loss": float(np.mean([h["loss"] for h in recent])),
                          "train_endpoint_mse": float(np.mean([h["endpoint_mse"] for h in recent])),
                          "val_endpoint_mse": val_mse, "elapsed_s": time.time() - t_start, **timing})
        print(json.dumps(epoch_log[-1]), flush=True)
        with open(out / "epochs.jsonl", "a") as f:
            f.write(json.dumps(epoch_log[-1]) + "\n")
        if epoch % cfg.checkpoint_every_epochs == 0 or epoch == cfg.epochs:
            save_checkpoint(out / "checkpoints" / f"epoch_{epoch:04d}", model,
                            {**extra, "epoch": epoch, "step": len(history)})
        save_loss_plot(history, epoch_log, out / "loss_curve.png")
        per_epoch_s = (time.time() - t_start) / epoch
        if cfg.time_budget_s is not None and epoch < cfg.epochs and time.time() - t_start + per_epoch_s > cfg.time_budget_s:
            print(f"time budget {cfg.time_budget_s:.0f} s reached after epoch {epoch}/{cfg.epochs}", flush=True)
            break
    final = save_checkpoint(out / "final", ema.model if ema is not None else student,
                            {**extra, "epoch": epoch_log[-1]["epoch"], "step": len(history)})
    (out / "history.json").write_text(json.dumps(history))
    summary = {"final": str(final), "epochs": epoch_log, "epochs_done": epoch_log[-1]["epoch"], "steps": len(history), "batches_per_epoch": n_batches,
               "wall_s": time.time() - t_start, "timing": timing, "teacher_nfe_per_sample": len(ks)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
