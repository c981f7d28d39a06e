"""OneDP distillation (OneDP-S / OneDP-D) of a frozen DDPM teacher into a one-step generator (distillation.md §6).

Reads top to bottom: load the teacher (frozen, a local) -> warm-start the generator (and, for -S, the fake score
network ε_ψ) from it -> every batch: generator update (A = G(z, O), k ~ U[k_min, k_max], A^k = α_k A + σ_k ε,
gradient w(k)·α_k/σ_k·(ε_φ − ε_G) through A; `onedp_loss`), then for -S one DSM update of ε_ψ on the stop-gradient
samples of that step -> per epoch: validation diagnostics on held-out windows (`validation_stats`) -> snapshots
every `checkpoint_every_epochs` and `final/`. Adam β = (0, 0.999), constant learning rates (the paper's optimiser).

A time budget ends the run early: `final/` is then the last generator and the summary says `complete: false`
(not resumable: the fake network is not saved).
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from ..checkpoint import read_config, save_checkpoint
from ..config_fields import known_fields
from ..data.pusht import PushTSequenceDataset
from ..distill import load_teacher_and_data, teacher_cond
from ..export_contract import code_commit
from ..policies.teacher import TeacherPolicy
from .onedp_loss import WEIGHTINGS, diffuse, draw_timesteps, dsm_loss, generator_surrogate, kl_gradient
from .onedp_policy import VARIANTS, OneDPPolicy


@dataclass(frozen=True)
class OneDPDistillConfig:
    name: str = "onedp"
    variant: str = "S"
    epochs: int = 20
    batch_size: int = 64
    max_batches_per_epoch: int | None = None
    generator_lr: float = 1e-6
    fake_lr: float = 2e-5
    betas: tuple[float, float] = (0.0, 0.999)
    k_min: int = 2
    k_max: int = 95
    generator_k: int = 65
    weighting: str = "sigma2"
    seed: int = 0
    checkpoint_every_epochs: int = 5
    val_samples: int = 128  # validation windows for the per-epoch diagnostics (0 = off)
    zarr_path: str | None = None
    max_train_episodes: int | None = 90  # the split must match the teacher's; read from its checkpoint if there
    val_ratio: float = 0.02
    split_seed: int = 42
    time_budget_s: float | None = None

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {self.weighting!r}")
        if not 0 < self.k_min <= self.k_max:
            raise ValueError(f"need 0 < k_min <= k_max, got k_min={self.k_min}, k_max={self.k_max}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"epochs and batch_size must be >= 1, got {self.epochs}, {self.batch_size}")
        if self.generator_lr <= 0 or self.fake_lr <= 0:
            raise ValueError(f"learning rates must be > 0, got generator_lr={self.generator_lr}, fake_lr={self.fake_lr}")
        object.__setattr__(self, "betas", tuple(self.betas))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "OneDPDistillConfig":
        return cls(**known_fields(cls, d))


def coefficients(teacher: TeacherPolicy, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(α_k, σ_k) = (√ᾱ_k, √(1 − ᾱ_k)) for a batch of integer timesteps."""
    abar = teacher.alphas_cumprod[k]
    return abar.sqrt(), (1 - abar).sqrt()


def generator_step(generator: OneDPPolicy, teacher: TeacherPolicy, fake: TeacherPolicy | None, state: torch.Tensor,
                   image: torch.Tensor | None, cfg: OneDPDistillConfig, gen: torch.Generator) -> dict[str, torch.Tensor]:
    """One generator loss (backward not taken). Returns {"loss", "a" (detached sample), "grad_norm" (mean ‖g‖)}."""
    dev = generator.backbone.obs_scale.device
    bcfg = generator.config.backbone
    B = state.shape[0]
    z = torch.randn((B, bcfg.horizon, bcfg.action_dim), generator=gen).to(dev)
    eps = torch.randn((B, bcfg.horizon, bcfg.action_dim), generator=gen).to(dev)
    k = draw_timesteps(B, cfg.k_min, cfg.k_max, gen).to(dev)
    a = generator.generate(generator.global_cond(state, image), z)
    alpha, sigma = coefficients(teacher, k)
    a_k = diffuse(a, eps, alpha, sigma).detach()
    with torch.no_grad():
        eps_teacher = teacher.unet(a_k, k, teacher_cond(teacher, state, image, None))
        eps_gen = eps if fake is None else fake.unet(a_k, k, fake.global_cond(state, image))
    g = kl_gradient(eps_teacher, eps_gen, alpha, sigma, cfg.weighting)
    return {"loss": generator_surrogate(a, g), "a": a.detach(), "grad_norm": g.flatten(1).norm(dim=1).mean()}


def fake_step(fake: TeacherPolicy, teacher: TeacherPolicy, a: torch.Tensor, state: torch.Tensor,
              image: torch.Tensor | None, cfg: OneDPDistillConfig, gen: torch.Generator) -> torch.Tensor:
    """The fake score network's DSM loss on stop-gradient generator samples `a` (λ(k) = 1, k ~ U[k_min, k_max])."""
    dev = a.device
    eps = torch.randn(a.shape, generator=gen).to(dev)
    k = draw_timesteps(a.shape[0], cfg.k_min, cfg.k_max, gen).to(dev)
    alpha, sigma = coefficients(teacher, k)
    return dsm_loss(fake.unet(diffuse(a.detach(), eps, alpha, sigma), k, fake.global_cond(state, image)), eps)


@torch.no_grad()
def validation_stats(generator: OneDPPolicy, teacher: TeacherPolicy, dataset: PushTSequenceDataset, n: int,
                     seed: int = 1234, draws: int = 8) -> dict[str, float]:
    """Diagnostics on the first n validation windows, fixed noise (comparable across epochs):
    teacher_dsm — the teacher's denoising error E‖ε_φ(α_k clip(A) + σ_k ε, k) − ε‖² on the generator's samples over
      k ∈ {10, 30, 50, 70, 90} (the teacher's diffusion loss on them: lower = more likely under the teacher);
    demo_dsm — the same on the demonstration chunks of those windows (the reference level);
    spread — mean per-window std of `draws` samples (0 for OneDP-D); out_of_range — fraction of |A| > 1 before clip."""
    g = torch.Generator().manual_seed(seed)
    idx = np.arange(min(n, len(dataset)))
    if len(idx) == 0:
        return {}
    dev = generator.backbone.obs_scale.device
    batch = dataset.get_batch(idx)
    state = batch["state"].to(dev)
    image = None if batch.get("image") is None else batch["image"].to(dev)
    bcfg = generator.config.backbone
    B, shape = len(idx), (bcfg.horizon, bcfg.action_dim)
    cond = generator.global_cond(state, image)
    samples = torch.stack([generator.generate(cond, torch.randn((B, *shape), generator=g).to(dev))
                           for _ in range(draws)])
    a = samples[0].clamp(-1, 1)
    demo = generator.backbone.normalize_action(batch["action"].to(dev))
    tcond = teacher_cond(teacher, state, image, None)

    def teacher_dsm(x0: torch.Tensor) -> float:
        errs = []
        for kk in (10, 30, 50, 70, 90):
            eps = torch.randn((B, *shape), generator=g).to(dev)
            k = torch.full((B,), kk, dtype=torch.long, device=dev)
            alpha, sigma = coefficients(teacher, k)
            errs.append(float(((teacher.unet(diffuse(x0, eps, alpha, sigma), k, tcond) - eps) ** 2).mean()))
        return float(np.mean(errs))

    g_state = g.get_state()
    t_gen = teacher_dsm(a)
    g.set_state(g_state)  # the same (ε, k) draws for the demonstrations
    return {"teacher_dsm": t_gen, "demo_dsm": teacher_dsm(demo),
            "spread": float(samples.std(dim=0).mean()), "out_of_range": float((samples[0].abs() > 1).float().mean())}


def distill_onedp(teacher_dir: str | Path, cfg: OneDPDistillConfig, out_dir: str | Path, device: str = "cpu",
                  command: str = "", dataset: PushTSequenceDataset | None = None,
                  val_dataset: PushTSequenceDataset | None = None) -> dict[str, Any]:
    """Run the distillation; returns the summary (also out_dir/summary.json)."""
    teacher_dir, out = Path(teacher_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dev = torch.device(device)
    torch.manual_seed(cfg.seed)
    teacher, dataset, val_dataset = load_teacher_and_data(teacher_dir, cfg, dev, dataset, val_dataset)
    tcfg = teacher.config
    generator = OneDPPolicy.from_teacher(teacher, cfg.variant, cfg.generator_k, cfg.name).to(dev).train()
    opt_g = torch.optim.Adam(generator.parameters(), lr=cfg.generator_lr, betas=cfg.betas)
    fake, opt_f = None, None
    if cfg.variant == "S":
        fake = TeacherPolicy(tcfg, teacher.normalizer).to(dev)
        fake.load_state_dict(teacher.state_dict(), strict=True)
        fake.train()
        opt_f = torch.optim.Adam(fake.parameters(), lr=cfg.fake_lr, betas=cfg.betas)
    n_batches = math.ceil(len(dataset) / cfg.batch_size)
    if cfg.max_batches_per_epoch is not None:
        n_batches = min(n_batches, cfg.max_batches_per_epoch)
    gen = torch.Generator().manual_seed(cfg.seed)
    extra = {"distill": {"method": "onedp", **cfg.to_dict()},
             "teacher": {"dir": str(teacher_dir), "config": read_config(teacher_dir)},
             "provenance": {"command": command, "seed": cfg.seed, "train_episodes": dataset.episodes.tolist(),
                            "code_commit": code_commit()}}
    history, epoch_log = [], []
    timing = {"generator_s": 0.0, "fake_s": 0.0, "validation_s": 0.0}
    t_start = time.time()
    complete = True

    def log_epoch(epoch: int, rows: list[dict[str, float]]) -> dict[str, Any]:
        t0 = time.time()
        stats = (validation_stats(generator.eval(), teacher, val_dataset, cfg.val_samples)
                 if val_dataset is not None and cfg.val_samples > 0 else {})
        generator.train()
        timing["validation_s"] += time.time() - t0
        row = {"epoch": epoch, "step": len(history), "elapsed_s": time.time() - t_start, **timing,
               **{f"train_{key}": float(np.mean([r[key] for r in rows])) for key in (rows[0] if rows else {})},
               **{f"val_{key}": v for key, v in stats.items()}}
        epoch_log.append(row)
        print(json.dumps(row), flush=True)
        (out / "epochs.jsonl").write_text("".join(json.dumps(e) + "\n" for e in epoch_log))
        return row

    log_epoch(0, [])  # the warm start
    for epoch in range(1, cfg.epochs + 1):
        perm = torch.randperm(len(dataset), generator=gen).numpy()[: n_batches * cfg.batch_size]
        rows = []
        for start in range(0, len(perm), cfg.batch_size):
            batch = dataset.get_batch(perm[start:start + cfg.batch_size])
            state = batch["state"].to(dev)
            image = None if batch.get("image") is None else batch["image"].to(dev)
            t0 = time.time()
            terms = generator_step(generator, teacher, fake, state, image, cfg, gen)
            opt_g.zero_grad(set_to_none=True)
            terms["loss"].backward()
            opt_g.step()
            t1 = time.time()
            row = {"grad_norm": float(terms["grad_norm"])}
            if fake is not None:
                f_loss = fake_step(fake, teacher, terms["a"], state, image, cfg, gen)
                opt_f.zero_grad(set_to_none=True)
                f_loss.backward()
                opt_f.step()
                row["fake_dsm"] = float(f_loss.detach())
            timing["generator_s"] += t1 - t0
            timing["fake_s"] += time.time() - t1
            history.append(row)
            rows.append(row)
            if cfg.time_budget_s is not None and time.time() - t_start > cfg.time_budget_s:
                complete = False
                break
        row = log_epoch(epoch, rows)
        if epoch % cfg.checkpoint_every_epochs == 0 or epoch == cfg.epochs or not complete:
            snap = save_checkpoint(out / "checkpoints" / f"epoch_{epoch:04d}", generator,
                                   {**extra, "epoch": epoch, "step": len(history)})
            row["snapshot"] = str(snap)
        if not complete:
            print(f"time budget {cfg.time_budget_s:.0f} s reached in epoch {epoch} after step {len(history)}", flush=True)
            break
    final = save_checkpoint(out / "final", generator, {**extra, "epoch": epoch_log[-1]["epoch"], "step": len(history)})
    (out / "history.json").write_text(json.dumps(history))
    summary = {"complete": complete, "variant": cfg.variant, "epochs": epoch_log, "steps": len(history),
               "planned_steps": n_batches * cfg.epochs, "batches_per_epoch": n_batches, "wall_s": time.time() - t_start,
               "timing": timing, "final": str(final)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def run_cli(args) -> int:
    """`oneflow-train distill --method onedp --teacher T --config C --out O [--set variant=D] [--threads N]`."""
    from ..config_overrides import baseline_distill_config

    config, command = baseline_distill_config(args, "onedp")
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = OneDPDistillConfig.from_dict(config)
    summary = distill_onedp(args.teacher, cfg, args.out, device=args.device, command=command)
    last = summary["epochs"][-1]
    print(f"done: OneDP-{cfg.variant}, {summary['steps']}/{summary['planned_steps']} steps in {summary['wall_s']:.0f} s"
          f"{'' if summary['complete'] else ' (time budget)'}; val teacher DSM {last.get('val_teacher_dsm', float('nan')):.4f}"
          f"; checkpoint {summary['final']}")
    return 0
