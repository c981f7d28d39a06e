"""The resumable state of a distillation run: everything `distill` needs to continue bit-identically.

`<out>/resume.pt` holds the student, the EMA (weights + update count), AdamW's moments, the LR scheduler's position,
the loop position (epoch, next batch), the run's torch.Generator both at the start of the current epoch (it re-draws
that epoch's permutation, noise and crop seeds) and now (state subsets drawn during the epoch), the global torch RNG,
the loss history, the per-epoch log and the timers. It is written every `resume_every_steps` optimiser steps, when a
segment ends on its time budget, and at the end of the run — to a temporary file, then renamed (a crash never leaves
a half-written state).

The LR schedule is always defined over the PLANNED total (epochs × batches per epoch): a time budget ends a
segment, never the plan, so a run is either complete (schedule fully decayed, `final/` written) or resumable
(`summary.json` says `"complete": false`, no `final/`). `--resume` may change only the run-control fields below.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

RESUME_FILE = "resume.pt"
RUN_CONTROL_FIELDS = ("time_budget_s", "resume_every_steps", "val_workers")  # may differ between segments


def save_resume_state(out: Path, state: dict[str, Any]) -> Path:
    """Write `state` (tensors, state dicts, plain Python values) to out/resume.pt atomically."""
    path = Path(out) / RESUME_FILE
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_resume_state(out: Path) -> dict[str, Any]:
    path = Path(out) / RESUME_FILE
    if not path.exists():
        raise FileNotFoundError(f"no resumable state at {path}: --resume needs a run directory written by distill")
    return torch.load(path, map_location="cpu", weights_only=True)


def check_same_plan(saved: dict[str, Any], new: dict[str, Any]) -> None:
    """Refuse to resume under a different training plan: every field but RUN_CONTROL_FIELDS must match."""
    diff = sorted(k for k in set(saved) | set(new)
                  if k not in RUN_CONTROL_FIELDS and saved.get(k) != new.get(k))
    if diff:
        detail = ", ".join(f"{k}: saved {saved.get(k)!r}, now {new.get(k)!r}" for k in diff)
        raise ValueError(f"--resume cannot change the training plan ({detail}); only {RUN_CONTROL_FIELDS} may change")
