"""OneFlow-DP distillation: a frozen DDPM teacher -> a one-step flow student (`distillation.md` §4).

Reads top to bottom: load the teacher (a LOCAL, never a student submodule) -> warm-start the student from it ->
for every batch: draw noise, solve the teacher's PF-ODE (DDIM trailing, N steps) in the RF frame keeping every
state, compute the student's global + terminal losses, AdamW step, EMA -> per epoch: paired endpoint MSE on
validation windows; every `checkpoint_every_epochs` a snapshot (EMA weights) rolled out one-step on the validation
seeds (`distill_validation.py`); loss curves -> `final/` once the planned schedule is done.

Resumable (`distill_resume.py`): the run's whole state goes to `<out>/resume.pt` every `resume_every_steps` steps,
on a time budget and at the end; `distill(..., resume=True)` continues it bit-identically. The LR schedule is
defined over the planned total; a time budget ends a resumable segment, never the plan (no undecayed `final/`).

Teacher trajectories are generated ONLINE by default (fresh noise every batch); `trajectories="per_epoch"` solves
the epoch's trajectories up front in large no-grad batches. Either way, with images the teacher's encoder takes
exactly the student's crop: the random crop drawn from the batch's crop seed in training, the centre crop in
validation (`teacher_cond`).
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

from .checkpoint import load_checkpoint, read_config, save_checkpoint
from .config_fields import known_fields
from .data.pusht import PushTSequenceDataset, load_replay_buffer, split_episodes
from .distill_plot import save_loss_plot
from .distill_resume import check_same_plan, load_resume_state, save_resume_state
from .distill_validation import best_snapshot, evaluate_snapshot, validation_seeds
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
    val_episodes: int = 200  # one-step rollouts of every snapshot on this many validation seeds (0 = off)
    val_seed_start: int = 200000  # the `val` seed set starts here (evaluation/seed_sets.py; never the test seeds)
    val_workers: int = 1  # evaluation worker processes for those rollouts
    zarr_path: str | None = None
    max_train_episodes: int | None = 90  # the split must match the teacher's; read from its checkpoint if there
    val_ratio: float = 0.02
    split_seed: int = 42
    time_budget_s: float | None = None  # end this segment (resumable) before a step would overrun this wall time
    resume_every_steps: int = 200  # write <out>/resume.pt every this many optimiser steps (0: only at segment ends)

    def __post_init__(self) -> None:
        if self.trajectories not in TRAJECTORY_MODES:
            raise ValueError(f"trajectories must be one of {TRAJECTORY_MODES}, got {self.trajectories!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.teacher_steps < 1:
            raise ValueError(f"epochs, batch_size, teacher_steps must be >= 1, got {self.epochs}, {self.batch_size}, "
                             f"{self.teacher_steps}")
        if self.val_episodes < 0 or self.resume_every_steps < 0:
            raise ValueError(f"val_episodes and resume_every_steps must be >= 0, got {self.val_episodes}, "
                             f"{self.resume_every_steps}")
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


def load_teacher_and_data(teacher_dir: Path, cfg, dev: torch.device, dataset: PushTSequenceDataset | None,
                          val_dataset: PushTSequenceDataset | None
                          ) -> tuple[TeacherPolicy, PushTSequenceDataset, PushTSequenceDataset | None]:
    """The frozen teacher on `dev` and, unless given, its train/val windows (`teacher_split`) shaped by its config.
    Shared by every distillation method (OneFlow, CP, OneDP); `cfg` needs zarr_path and the split fields."""
    teacher = load_checkpoint(teacher_dir, dev).requires_grad_(False)
    if dataset is None:
        tcfg = teacher.config
        buf = load_replay_buffer(cfg.zarr_path)
        train_eps, val_eps = teacher_split(teacher_dir, cfg, buf.n_episodes)
        kw = dict(horizon=tcfg.horizon, n_obs_steps=tcfg.n_obs_steps, n_action_steps=tcfg.n_action_steps,
                  with_image=tcfg.uses_image)
        dataset = PushTSequenceDataset(buf, train_eps, **kw)
        val_dataset = PushTSequenceDataset(buf, val_eps, **kw) if len(val_eps) else None
    return teacher, dataset, val_dataset


def _crop_generator(crop_seed: int | None) -> torch.Generator | None:
    return None if crop_seed is None else torch.Generator().manual_seed(crop_seed)


@torch.no_grad()
def teacher_cond(teacher: TeacherPolicy, state: torch.Tensor, image: torch.Tensor | None,
                 crop_seed: int | None) -> torch.Tensor:
    """The frozen teacher's conditioning. With images, the student's crop: `crop_seed` -> the random crop drawn from
    that seed (the student's encoder draws the same one from the same seed); None -> the centre crop (the student's
    evaluation crop)."""
    if teacher.image_encoder is not None:
        teacher.image_encoder.train(crop_seed is not None)  # random crop in train mode, centre crop in eval mode
    return teacher.global_cond(state, image, _crop_generator(crop_seed))


@torch.no_grad()
def solve_from_cond(teacher: TeacherPolicy, cond: torch.Tensor, noise: torch.Tensor,
                    timesteps: list[int]) -> TeacherTrajectory:
    return teacher_trajectory(lambda x, k: teacher.unet(x, k, cond), noise, teacher.alphas_cumprod, timesteps,
                              teacher.config.clip_sample)


def solve_teacher(teacher: TeacherPolicy, state: torch.Tensor, image: torch.Tensor | None, noise: torch.Tensor,
                  timesteps: list[int], crop_seed: int | None = None) -> TeacherTrajectory:
    """The teacher's PF-ODE trajectories for a batch (no grad), seeing the crop `teacher_cond` describes."""
    return solve_from_cond(teacher, teacher_cond(teacher, state, image, crop_seed), noise, timesteps)


def _batch_to(batch: dict[str, torch.Tensor], device: torch.device) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    image = batch.get("image")
    return batch["state"].to(device), None if image is None else image.to(device), batch["action"].to(device)


@torch.no_grad()
def paired_endpoint_mse(student: OneFlowStudentPolicy, teacher: TeacherPolicy, dataset: PushTSequenceDataset,
                        n: int, timesteps: list[int], device: torch.device, seed: int = 1234) -> float:
    """Mean squared error (normalised units) between the one-step student and the teacher's DDIM endpoint from the
    SAME noise, over the first n windows of `dataset` (fixed noise seed: comparable across epochs). Both see the
    centre crop (evaluation mode)."""
    g = torch.Generator().manual_seed(seed)
    idx = np.arange(min(n, len(dataset)))
    was_training = student.training
    student.eval()
    errs = []
    for start in range(0, len(idx), 128):
        state, image, _ = _batch_to(dataset.get_batch(idx[start:start + 128]), device)
        bcfg = student.config.backbone
        noise = torch.randn((len(state), 1, bcfg.horizon, bcfg.action_dim), generator=g).to(device)
        end = solve_teacher(teacher, state, image, noise[:, 0], timesteps, None).endpoint
        a = student.backbone.normalize_action(student.sample(state, image, noise, 1))
        errs.append(((a - end) ** 2).mean(dim=(1, 2)))
    student.train(was_training)
    return float(torch.cat(errs).mean()) if errs else float("nan")


def _epoch_plan(dataset, cfg: DistillConfig, n_batches: int, gen: torch.Generator, shape, uses_image: bool):
    """One epoch's batches (window indices), noise per batch and crop seed per batch, drawn from `gen`."""
    perm = torch.randperm(len(dataset), generator=gen).numpy()[: n_batches * cfg.batch_size]
    noise_all = torch.randn((len(perm), *shape), generator=gen)
    cuts = range(0, len(perm), cfg.batch_size)
    crops = torch.randint(0, 2 ** 62, (len(cuts),), generator=gen).tolist() if uses_image else [None] * len(cuts)
    return [perm[i:i + cfg.batch_size] for i in cuts], [noise_all[i:i + cfg.batch_size] for i in cuts], crops


def _solve_epoch(teacher, dataset, batches, noises, crops, ks, dev) -> list[TeacherTrajectory]:
    """trajectories="per_epoch": every batch's conditioning with its own crop, then no-grad solves of ≥ 512 windows."""
    conds = torch.cat([teacher_cond(teacher, *_batch_to(dataset.get_batch(b), dev)[:2], c)
                       for b, c in zip(batches, crops)])
    noise = torch.cat(noises).to(dev)
    parts = [solve_from_cond(teacher, conds[c:c + 512], noise[c:c + 512], ks) for c in range(0, len(noise), 512)]
    zs, vs = torch.cat([p.z for p in parts], 1), torch.cat([p.v for p in parts], 1)
    out, start = [], 0
    for b in batches:
        out.append(TeacherTrajectory(zs[:, start:start + len(b)], vs[:, start:start + len(b)], parts[0].tau, parts[0].k))
        start += len(b)
    return out


def distill(teacher_dir: str | Path, cfg: DistillConfig, out_dir: str | Path, device: str = "cpu",
            command: str = "", dataset: PushTSequenceDataset | None = None,
            val_dataset: PushTSequenceDataset | None = None, resume: bool = False) -> dict[str, Any]:
    """Run (or, with resume=True, continue) the distillation; returns the summary (also out_dir/summary.json)."""
    teacher_dir, out = Path(teacher_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    saved = load_resume_state(out) if resume else None
    if saved is not None:
        check_same_plan(saved["config"], cfg.to_dict())
        if saved["complete"]:
            print(f"{out} is already complete ({len(saved['run']['history'])} steps); nothing to resume", flush=True)
            return json.loads((out / "summary.json").read_text())
    dev = torch.device(device)
    torch.manual_seed(cfg.seed)
    teacher, dataset, val_dataset = load_teacher_and_data(teacher_dir, cfg, dev, dataset, val_dataset)
    tcfg = teacher.config
    student = OneFlowStudentPolicy.from_teacher(teacher, name=cfg.name).to(dev).train()
    ema = Ema(student) if cfg.use_ema else None
    opt = torch.optim.AdamW(student.parameters(), lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    n_batches = math.ceil(len(dataset) / cfg.batch_size)
    if cfg.max_batches_per_epoch is not None:
        n_batches = min(n_batches, cfg.max_batches_per_epoch)
    total = n_batches * cfg.epochs
    sched = make_lr_scheduler(opt, min(cfg.warmup_steps, total // 10), total)  # over the PLANNED total, always
    ks = ddim_timesteps(cfg.teacher_steps, tcfg.num_train_timesteps)
    gen = torch.Generator().manual_seed(cfg.seed)
    shape = (tcfg.horizon, tcfg.action_dim)
    run = {"history": [], "epochs": [], "timing": {"teacher_s": 0.0, "student_s": 0.0, "validation_s": 0.0},
           "wall_prior_s": 0.0, "segments": 0}
    first_epoch, first_batch, gen_resume_state = 1, 0, None
    if saved is not None:
        student.load_state_dict(saved["student"])
        if ema is not None:
            ema.load_state_dict(saved["ema"])
        opt.load_state_dict(saved["optimizer"])
        sched.load_state_dict(saved["scheduler"])
        gen.set_state(saved["epoch_gen_state"])
        gen_resume_state = saved["gen_state"]
        torch.set_rng_state(saved["torch_rng_state"])
        run, first_epoch, first_batch = saved["run"], saved["epoch"], saved["next_batch"]
    run["segments"] += 1
    run.setdefault("command", command)  # the command that started the run; resumes are listed after it
    if saved is not None:
        run["resumed_with"] = [*run.get("resumed_with", []), command]
    history, epoch_log, timing = run["history"], run["epochs"], run["timing"]
    extra = {"distill": cfg.to_dict(), "teacher": {"dir": str(teacher_dir), "config": read_config(teacher_dir)},
             "provenance": {"command": run["command"], "resumed_with": run.get("resumed_with", []), "seed": cfg.seed,
                            "train_episodes": dataset.episodes.tolist()}}
    needs_start_mean = cfg.loss.velocity_target == "instantaneous" and cfg.loss.lambda_global > 0
    val_seeds = validation_seeds(cfg.val_seed_start, cfg.val_episodes) if cfg.val_episodes else []
    t_segment, segment_steps = time.time(), 0

    def elapsed_s() -> float:
        return run["wall_prior_s"] + time.time() - t_segment

    def over_budget() -> bool:  # would one more step (at this segment's mean step cost) overrun the budget?
        seg = time.time() - t_segment
        return cfg.time_budget_s is not None and segment_steps > 0 and seg + seg / segment_steps > cfg.time_budget_s

    def save_state(epoch: int, next_batch: int, epoch_gen_state: torch.Tensor, complete: bool) -> None:
        save_resume_state(out, {
            "config": cfg.to_dict(), "teacher_dir": str(teacher_dir), "complete": complete, "epoch": epoch,
            "next_batch": next_batch, "student": student.state_dict(), "ema": None if ema is None else ema.state_dict(),
            "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "epoch_gen_state": epoch_gen_state,
            "gen_state": gen.get_state(), "torch_rng_state": torch.get_rng_state(),
            "run": {**run, "wall_prior_s": elapsed_s()}})

    def end_segment(complete: bool) -> dict[str, Any]:
        (out / "history.json").write_text(json.dumps(history))
        summary = {"complete": complete, "epochs": epoch_log, "epochs_done": epoch_log[-1]["epoch"] if epoch_log else 0,
                   "steps": len(history), "planned_steps": total, "batches_per_epoch": n_batches,
                   "segments": run["segments"], "wall_s": elapsed_s(), "timing": timing,
                   "teacher_nfe_per_sample": len(ks), "best_snapshot": best_snapshot(epoch_log)}
        if complete:
            summary["final"] = str(out / "final")
        else:
            summary["resume"] = f"oneflow-train distill --resume {out}"
            print(f"time budget {cfg.time_budget_s:.0f} s: segment ends after step {len(history)}/{total} "
                  f"(resumable: {summary['resume']})", flush=True)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return summary

    for epoch in range(first_epoch, cfg.epochs + 1):
        epoch_gen_state = gen.get_state()
        batches, noises, crops = _epoch_plan(dataset, cfg, n_batches, gen, shape, tcfg.uses_image)
        if gen_resume_state is not None:  # mid-epoch resume: the epoch's plan is re-drawn, then gen is where it was
            gen.set_state(gen_resume_state)
            gen_resume_state = None
        start = first_batch if epoch == first_epoch else 0
        cached = None
        if cfg.trajectories == "per_epoch" and start < len(batches):
            t0 = time.time()
            cached = _solve_epoch(teacher, dataset, batches, noises, crops, ks, dev)
            timing["teacher_s"] += time.time() - t0
        bar = tqdm(range(start, len(batches)), desc=f"distill {epoch}/{cfg.epochs}", leave=False, mininterval=5)
        for i in bar:
            state, image, action = _batch_to(dataset.get_batch(batches[i]), dev)
            t0 = time.time()
            traj = cached[i] if cached is not None else solve_teacher(teacher, state, image, noises[i].to(dev), ks,
                                                                      crops[i])
            start_mean = None
            if needs_start_mean:  # an independent teacher sample per window: E[x0|O] for the literal target at τ ≈ 1
                extra_noise = torch.randn(noises[i].shape, generator=gen).to(dev)
                start_mean = solve_teacher(teacher, state, image, extra_noise, ks, crops[i]).endpoint
            t1 = time.time()
            cond = student.global_cond(state, image, _crop_generator(crops[i]))
            terms = student.loss(cond, traj, student.backbone.normalize_action(action), cfg.loss, gen, start_mean)
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
            segment_steps += 1
            stop = len(history) < total and over_budget()  # the plan's last step always finishes the run
            if stop or (cfg.resume_every_steps and len(history) % cfg.resume_every_steps == 0):
                save_state(epoch, i + 1, epoch_gen_state, complete=False)
            if stop:
                return end_segment(complete=False)
        model = ema.model if ema is not None else student
        val_mse = (paired_endpoint_mse(model, teacher, val_dataset, cfg.val_samples, ks, dev)
                   if val_dataset is not None and cfg.val_samples > 0 else float("nan"))
        recent = history[-len(batches):]
        row = {"epoch": epoch, "step": len(history), "lr": sched.get_last_lr()[0],
               "loss": float(np.mean([h["loss"] for h in recent])),
               "train_endpoint_mse": float(np.mean([h["endpoint_mse"] for h in recent])), "val_endpoint_mse": val_mse}
        if epoch % cfg.checkpoint_every_epochs == 0 or epoch == cfg.epochs:
            snap = save_checkpoint(out / "checkpoints" / f"epoch_{epoch:04d}", model,
                                   {**extra, "epoch": epoch, "step": len(history)})
            row["snapshot"] = str(snap)
            if val_seeds:
                t0 = time.time()
                row["val_rollout"] = evaluate_snapshot(snap, val_seeds, cfg.val_workers)
                timing["validation_s"] += time.time() - t0
        row.update({"elapsed_s": elapsed_s(), **timing})
        epoch_log.append(row)
        print(json.dumps(row), flush=True)
        (out / "epochs.jsonl").write_text("".join(json.dumps(e) + "\n" for e in epoch_log))
        save_loss_plot(history, epoch_log, out / "loss_curve.png")
        if epoch < cfg.epochs and over_budget():
            save_state(epoch + 1, 0, gen.get_state(), complete=False)
            return end_segment(complete=False)
    save_checkpoint(out / "final", ema.model if ema is not None else student,
                    {**extra, "epoch": epoch_log[-1]["epoch"], "step": len(history)})
    save_state(cfg.epochs + 1, 0, gen.get_state(), complete=True)
    return end_segment(complete=True)
