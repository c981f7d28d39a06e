"""Consistency Policy distillation: `oneflow-train distill --method cp --teacher <ckpt> --config <cp.json> --out <dir>`.

Reads top to bottom: load the frozen DDPM teacher (a LOCAL) -> warm-start the CTM student from it -> for every batch:
the student's CTM + DSM loss (`CpStudentPolicy.loss`: one teacher Heun step, the stop-gradient target network, pseudo-
Huber) -> AdamW step -> target network := the student's weights (CP's initial_ema_decay = 0; `target_ema_decay`
> 0 makes it an EMA) -> evaluation EMA (DP's schedule, as every student here) -> per epoch: paired endpoint MSE of the
one-step student vs the teacher's DDIM-16 from the same noise on validation windows (a diagnostic; the start states
differ by one timestep: k = 98 here, 99 for DDIM) -> a snapshot (EMA weights) every `checkpoint_every_epochs` -> `final/`.
Snapshots are chosen afterwards with `oneflow-train eval --seeds val` (docs/baselines.md). A time budget ends the run
early with `final/` = the last EMA weights (not resumable; recorded in summary.json).
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

from ..checkpoint import read_config, save_checkpoint
from ..config_fields import known_fields
from ..data.pusht import PushTSequenceDataset
from ..distill import _crop_generator, load_teacher_and_data, paired_endpoint_mse
from ..ema import Ema
from ..lr_schedule import make_lr_scheduler
from ..sampling import ddim_timesteps
from .cp_sigma import teacher_denoiser
from .cp_student import CpLossConfig, CpStudentPolicy


@dataclass(frozen=True)
class CpDistillConfig:
    name: str = "cp_student"
    epochs: int = 20
    batch_size: int = 64
    max_batches_per_epoch: int | None = None
    lr: float = 1e-4
    betas: tuple[float, float] = (0.95, 0.999)
    weight_decay: float = 1e-6
    warmup_steps: int = 500
    dropout: float = 0.2
    n_bins: int = 99
    chain_sigmas: tuple[float, ...] = (12.0, 0.89)
    loss: CpLossConfig = field(default_factory=CpLossConfig)
    target_ema_decay: float = 0.0
    use_ema: bool = True
    seed: int = 0
    checkpoint_every_epochs: int = 5
    val_samples: int = 256
    val_teacher_steps: int = 16
    zarr_path: str | None = None
    max_train_episodes: int | None = 90
    val_ratio: float = 0.02
    split_seed: int = 42
    time_budget_s: float | None = None

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.checkpoint_every_epochs < 1:
            raise ValueError(f"epochs, checkpoint_every_epochs must be >= 1 and batch_size >= 2, got {self.epochs}, "
                             f"{self.checkpoint_every_epochs}, {self.batch_size}")
        if not 0.0 <= self.target_ema_decay < 1.0:
            raise ValueError(f"target_ema_decay must be in [0, 1), got {self.target_ema_decay}")
        if isinstance(self.loss, Mapping):
            object.__setattr__(self, "loss", CpLossConfig(**self.loss))
        object.__setattr__(self, "betas", tuple(self.betas))
        object.__setattr__(self, "chain_sigmas", tuple(self.chain_sigmas))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "betas": list(self.betas), "chain_sigmas": list(self.chain_sigmas)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CpDistillConfig":
        return cls(**known_fields(cls, d))


@torch.no_grad()
def update_target(target: CpStudentPolicy, student: CpStudentPolicy, decay: float) -> None:
    for t, s in zip(target.parameters(), student.parameters()):
        t.mul_(decay).add_(s.detach(), alpha=1.0 - decay)


def distill_cp(teacher_dir: str | Path, cfg: CpDistillConfig, out_dir: str | Path, device: str = "cpu",
               command: str = "", dataset: PushTSequenceDataset | None = None,
               val_dataset: PushTSequenceDataset | None = None) -> dict[str, Any]:
    teacher_dir, out, dev = Path(teacher_dir), Path(out_dir), torch.device(device)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    teacher, dataset, val_dataset = load_teacher_and_data(teacher_dir, cfg, dev, dataset, val_dataset)
    tcfg = teacher.config
    student = CpStudentPolicy.from_teacher(teacher, name=cfg.name, dropout=cfg.dropout, n_bins=cfg.n_bins,
                                           chain_sigmas=cfg.chain_sigmas).to(dev).train()
    target = student.target_copy().train()  # dropout active in both, as CP's model and model_ema
    ema = Ema(student) if cfg.use_ema else None
    opt = torch.optim.AdamW(student.parameters(), lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    n_batches = math.ceil(len(dataset) / cfg.batch_size)
    if cfg.max_batches_per_epoch is not None:
        n_batches = min(n_batches, cfg.max_batches_per_epoch)
    total = n_batches * cfg.epochs
    sched = make_lr_scheduler(opt, min(cfg.warmup_steps, total // 10), total)
    gen = torch.Generator().manual_seed(cfg.seed)
    val_ks = ddim_timesteps(cfg.val_teacher_steps, tcfg.num_train_timesteps)
    extra = {"distill": {"method": "cp", **cfg.to_dict()},
             "teacher": {"dir": str(teacher_dir), "config": read_config(teacher_dir)},
             "provenance": {"command": command, "seed": cfg.seed, "train_episodes": dataset.episodes.tolist()}}
    history, epoch_log, t_start = [], [], time.time()
    stopped_early = False
    for epoch in range(1, cfg.epochs + 1):
        perm = torch.randperm(len(dataset), generator=gen).numpy()[: n_batches * cfg.batch_size]
        bar = tqdm(range(0, len(perm), cfg.batch_size), desc=f"cp {epoch}/{cfg.epochs}", leave=False, mininterval=5)
        for start in bar:
            batch = dataset.get_batch(perm[start:start + cfg.batch_size])
            state, action = batch["state"].to(dev), batch["action"].to(dev)
            image = batch["image"].to(dev) if "image" in batch else None
            seed = int(torch.randint(0, 2 ** 62, (1,), generator=gen))
            crop_seed = seed if image is not None else None  # one random crop for teacher, target and student
            with torch.no_grad():
                if teacher.image_encoder is not None:
                    teacher.image_encoder.train(True)
                t_cond = teacher.global_cond(state, image, _crop_generator(crop_seed))
                target_cond = target.global_cond(state, image, _crop_generator(crop_seed))
            teacher_fn = teacher_denoiser(lambda x, k, c=t_cond: teacher.unet(x, k, c), student.sigmas, tcfg.clip_sample)
            cond = student.global_cond(state, image, _crop_generator(crop_seed))
            terms = student.loss(cond, student.backbone.normalize_action(action), target, target_cond, teacher_fn,
                                 cfg.loss, gen)
            opt.zero_grad(set_to_none=True)
            terms["loss"].backward()
            opt.step()
            sched.step()
            update_target(target, student, cfg.target_ema_decay)
            if ema is not None:
                ema.update(student)
            history.append({k: float(v.detach()) for k, v in terms.items()})
            bar.set_postfix(loss=f"{history[-1]['loss']:.4f}", ctm=f"{history[-1]['ctm']:.4f}")
            if cfg.time_budget_s is not None and time.time() - t_start > cfg.time_budget_s:
                stopped_early = True
                break
        model = ema.model if ema is not None else student
        val_mse = (paired_endpoint_mse(model, teacher, val_dataset, cfg.val_samples, val_ks, dev)
                   if val_dataset is not None and cfg.val_samples > 0 else float("nan"))
        recent = history[-n_batches:]
        row = {"epoch": epoch, "step": len(history), "lr": sched.get_last_lr()[0],
               **{k: float(np.mean([h[k] for h in recent])) for k in ("loss", "ctm", "dsm")},
               "val_endpoint_mse": val_mse, "elapsed_s": time.time() - t_start}
        if epoch % cfg.checkpoint_every_epochs == 0 or epoch == cfg.epochs or stopped_early:
            row["snapshot"] = str(save_checkpoint(out / "checkpoints" / f"epoch_{epoch:04d}", model,
                                                  {**extra, "epoch": epoch, "step": len(history)}))
        epoch_log.append(row)
        print(json.dumps(row), flush=True)
        (out / "epochs.jsonl").write_text("".join(json.dumps(e) + "\n" for e in epoch_log))
        if stopped_early:
            break
    final = save_checkpoint(out / "final", ema.model if ema is not None else student,
                            {**extra, "epoch": epoch_log[-1]["epoch"], "step": len(history)})
    (out / "history.json").write_text(json.dumps(history))
    summary = {"method": "cp", "complete": not stopped_early, "steps": len(history), "planned_steps": total,
               "batches_per_epoch": n_batches, "epochs": epoch_log, "wall_s": time.time() - t_start,
               "final": str(final)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def run_cp(args) -> int:
    """The `distill --method cp` branch of commands/distill.py (same --teacher/--config/--out/--set/--threads)."""
    from ..config_overrides import baseline_distill_config

    config, command = baseline_distill_config(args, "cp")
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = CpDistillConfig.from_dict(config)
    summary = distill_cp(args.teacher, cfg, args.out, device=args.device, command=command)
    print(f"done: {summary['steps']}/{summary['planned_steps']} steps in {summary['wall_s']:.0f} s; final val "
          f"endpoint MSE {summary['epochs'][-1]['val_endpoint_mse']:.4f}; checkpoint {summary['final']}")
    return 0
