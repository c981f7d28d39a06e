"""DDPM teacher training loop (DP recipe): AdamW, cosine LR with warm-up, EMA, resumable, step-based.

Run directory layout:
    run_dir/latest/        checkpoint of the EMA policy (model.safetensors, config.json, normalizer.json)
                           + train_state.pt (raw weights, EMA, optimizer, LR schedule, step, RNG, loss history)
    run_dir/final/         the EMA policy at the last step (what gets evaluated and shipped)
    run_dir/log.jsonl      one line per log interval: step, loss, val_loss, lr, ema_decay, wall_s
    run_dir/loss.png       training / validation loss curves
Batches: epoch e visits the training windows in the order randperm(seed·1_000_003 + e), so resuming at step s
replays exactly the batches an uninterrupted run would have seen; noise, timesteps and crops come from one
torch.Generator whose state is checkpointed.
"""
from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from tqdm import tqdm

from .checkpoint import save_checkpoint
from .config_fields import known_fields
from .ema import Ema, EmaConfig
from .lr_schedule import make_lr_scheduler
from .policies.teacher import TeacherPolicy
from .policies.teacher_config import TeacherConfig
from .teacher_data import TeacherData


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    max_train_episodes: int = 90
    val_ratio: float = 0.02
    split_seed: int = 42
    batch_size: int = 256
    total_steps: int = 10000
    lr: float = 1e-4
    betas: tuple[float, float] = (0.95, 0.999)
    adam_eps: float = 1e-8
    weight_decay: float = 1e-6
    warmup_steps: int = 500
    ema_inv_gamma: float = 1.0
    ema_power: float = 0.75
    ema_max_decay: float = 0.9999
    log_every_steps: int = 50
    val_every_steps: int = 500
    checkpoint_every_s: float = 300.0
    num_threads: int = 2

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TrainConfig":
        return cls(**{k: (tuple(v) if k == "betas" else v) for k, v in known_fields(cls, d).items()})


def load_config_file(path: str | os.PathLike) -> tuple[TeacherConfig, TrainConfig]:
    d = json.loads(Path(path).read_text())
    return TeacherConfig.from_dict(d["policy"]), TrainConfig.from_dict(d.get("train", {}))


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=10).stdout.strip() or "unknown"
    except Exception:
        return "unknown"


class Trainer:
    """Holds the model, EMA, optimiser and RNG; `step()` does one optimisation step on one batch."""

    def __init__(self, policy: TeacherPolicy, data: TeacherData, cfg: TrainConfig, device: str | torch.device = "cpu"):
        self.cfg, self.data, self.device = cfg, data, torch.device(device)
        self.policy = policy.to(self.device).train()
        self.ema = Ema(self.policy, EmaConfig(cfg.ema_inv_gamma, cfg.ema_power, 0.0, cfg.ema_max_decay))
        self.opt = torch.optim.AdamW(self.policy.parameters(), lr=cfg.lr, betas=tuple(cfg.betas), eps=cfg.adam_eps,
                                     weight_decay=cfg.weight_decay)
        self.sched = make_lr_scheduler(self.opt, cfg.warmup_steps, cfg.total_steps)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.step_count = 0
        self.history: list[dict[str, float]] = []
        self.wall_s = 0.0
        self.steps_per_epoch = max(1, len(data) // cfg.batch_size)
        self._perm_epoch, self._perm = -1, None

    def batch_indices(self, step: int) -> np.ndarray:
        epoch, pos = divmod(step, self.steps_per_epoch)
        if epoch != self._perm_epoch:
            g = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + epoch)
            self._perm, self._perm_epoch = torch.randperm(len(self.data), generator=g).numpy(), epoch
        bs = min(self.cfg.batch_size, len(self.data))
        return self._perm[pos * bs : (pos + 1) * bs]

    def step(self) -> float:
        batch = self.data.batch(self.batch_indices(self.step_count))
        loss = self.policy.loss(batch, self.gen)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.sched.step()
        self.ema.update(self.policy)
        self.step_count += 1
        return float(loss.detach())

    @torch.no_grad()
    def val_loss(self, max_batches: int = 4) -> float | None:
        """EMA-policy DDPM loss on the validation episodes with a fixed generator (comparable across steps)."""
        if self.data.val_dataset is None:
            return None
        n = len(self.data.val_dataset)
        g = torch.Generator().manual_seed(12345)
        idx = np.arange(n)
        losses = []
        for b in range(min(max_batches, math.ceil(n / self.cfg.batch_size))):
            batch = self.data.batch(idx[b * self.cfg.batch_size : (b + 1) * self.cfg.batch_size], val=True)
            losses.append(float(self.ema.model.loss(batch, g)))
        return float(np.mean(losses))

    def state_dict(self) -> dict[str, Any]:
        return {"policy": self.policy.state_dict(), "ema": self.ema.state_dict(), "opt": self.opt.state_dict(),
                "sched": self.sched.state_dict(), "step": self.step_count, "gen": self.gen.get_state(),
                "torch_rng": torch.get_rng_state(), "numpy_rng": np.random.get_state(), "python_rng": random.getstate(),
                "history": self.history, "wall_s": self.wall_s}

    def load_state_dict(self, d: dict[str, Any]) -> None:
        self.policy.load_state_dict(d["policy"])
        self.ema.load_state_dict(d["ema"])
        self.opt.load_state_dict(d["opt"])
        self.sched.load_state_dict(d["sched"])
        self.step_count, self.history, self.wall_s = int(d["step"]), list(d["history"]), float(d["wall_s"])
        self.gen.set_state(d["gen"])
        torch.set_rng_state(d["torch_rng"])
        np.random.set_state(d["numpy_rng"])
        random.setstate(d["python_rng"])

    def provenance(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        epochs = self.step_count * self.cfg.batch_size / max(1, len(self.data))
        return {"train": self.cfg.to_dict(), "provenance": {
            "train_episodes": self.data.train_episodes.tolist(), "val_episodes": self.data.val_episodes.tolist(),
            "seed": self.cfg.seed, "step": self.step_count, "epochs": round(epochs, 2), "wall_s": round(self.wall_s, 1),
            "n_train_windows": len(self.data), "code_commit": git_commit(), **extra}}

    def save(self, directory: Path, extra: Mapping[str, Any], train_state: bool) -> None:
        save_checkpoint(directory, self.ema.model, self.provenance(extra))
        if train_state:
            tmp = directory / "train_state.pt.tmp"
            torch.save(self.state_dict(), tmp)
            tmp.replace(directory / "train_state.pt")


def plot_losses(history: list[dict[str, float]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    steps = [h["step"] for h in history]
    ax.plot(steps, [h["loss"] for h in history], label="train (EMA of batch loss)")
    val = [(h["step"], h["val_loss"]) for h in history if h.get("val_loss") is not None]
    if val:
        ax.plot(*zip(*val), "o-", label="val (EMA policy)")
    ax.set_yscale("log")
    ax.set_xlabel("optimisation step")
    ax.set_ylabel("DDPM ε-MSE")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def train(policy_cfg: TeacherConfig, cfg: TrainConfig, data: TeacherData, normalizer, run_dir: str | os.PathLike,
          device: str = "cpu", resume: bool = True, extra: Mapping[str, Any] | None = None,
          stop_after_steps: int | None = None, show_progress: bool = True, time_budget_s: float | None = None) -> Trainer:
    """Train until cfg.total_steps (or `stop_after_steps` more steps); checkpoint to run_dir/latest periodically.

    `time_budget_s` ends this segment (train_state.pt written, resumable) before a step would overrun that wall time,
    counted from the first step; the LR schedule stays over cfg.total_steps.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    random.seed(cfg.seed)
    trainer = Trainer(TeacherPolicy(policy_cfg, normalizer), data, cfg, device)
    state_path = run_dir / "latest" / "train_state.pt"
    if resume and state_path.exists():
        trainer.load_state_dict(torch.load(state_path, map_location=trainer.device, weights_only=False))
        print(f"resumed from {state_path} at step {trainer.step_count}", file=sys.stderr)
    extra = dict(extra or {})
    end = cfg.total_steps if stop_after_steps is None else min(cfg.total_steps, trainer.step_count + stop_after_steps)
    log = (run_dir / "log.jsonl").open("a")
    smooth, t_last_ckpt, t0, start = None, time.monotonic(), time.monotonic(), trainer.step_count
    bar = tqdm(total=end, initial=trainer.step_count, desc=policy_cfg.name, disable=not show_progress,
               mininterval=5.0, file=sys.stderr)
    while trainer.step_count < end:
        done = trainer.step_count - start
        if time_budget_s is not None and (time.monotonic() - t0) * (done + 1) / max(done, 1) > time_budget_s:
            print(f"time budget {time_budget_s:.0f} s: segment ends at step {trainer.step_count}/{cfg.total_steps}",
                  file=sys.stderr)
            break
        t_step = time.monotonic()
        loss = trainer.step()
        trainer.wall_s += time.monotonic() - t_step
        smooth = loss if smooth is None else 0.98 * smooth + 0.02 * loss
        bar.update(1)
        s = trainer.step_count
        if s % cfg.log_every_steps == 0 or s == end:
            val = trainer.val_loss() if (s % cfg.val_every_steps == 0 or s == end) else None
            rec = {"step": s, "loss": smooth, "batch_loss": loss, "val_loss": val,
                   "lr": trainer.sched.get_last_lr()[0], "ema_decay": trainer.ema.decay, "wall_s": round(trainer.wall_s, 2)}
            trainer.history.append(rec)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            bar.set_postfix(loss=f"{smooth:.4f}", lr=f"{rec['lr']:.2e}")
        if time.monotonic() - t_last_ckpt >= cfg.checkpoint_every_s and s < end:
            trainer.save(run_dir / "latest", extra, train_state=True)
            plot_losses(trainer.history, run_dir / "loss.png", policy_cfg.name)
            t_last_ckpt = time.monotonic()
    bar.close()
    log.close()
    trainer.save(run_dir / "latest", extra, train_state=True)
    if trainer.step_count >= cfg.total_steps:
        trainer.save(run_dir / "final", extra, train_state=False)
    if trainer.history:
        plot_losses(trainer.history, run_dir / "loss.png", policy_cfg.name)
    print(f"{policy_cfg.name}: step {trainer.step_count}/{cfg.total_steps}, {time.monotonic() - t0:.0f} s this run",
          file=sys.stderr)
    return trainer
