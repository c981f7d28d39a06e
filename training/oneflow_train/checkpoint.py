"""Checkpoints: `dir/{model.safetensors, config.json, normalizer.json}`; `load_checkpoint` dispatches on config["kind"].

config.json = {"kind": "teacher", "policy": <TeacherConfig.to_dict()>, ...extra (train config, provenance)}.
Other policy kinds register a loader with a one-line additive edit to `_LOADERS` (kind -> "module:function", the
function taking (config dict, normalizer, state_dict) and returning an nn.Module). Files are written to a temporary
directory then renamed, so a crash never leaves a half-written checkpoint behind.
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .data.normalizer import Normalizer

_LOADERS: dict[str, str] = {
    "teacher": "oneflow_train.policies.teacher_io:build_teacher",
    "oneflow_student": "oneflow_train.policies.oneflow_student:build_student",
    "cp_student": "oneflow_train.baselines.cp_student:build_cp_student",
    "onedp_student": "oneflow_train.baselines.onedp_policy:build_onedp",
}


def kind_of(policy: nn.Module) -> str:
    kind = getattr(policy, "checkpoint_kind", None)
    if kind:
        return kind
    from .policies.teacher import TeacherPolicy

    if isinstance(policy, TeacherPolicy):
        return "teacher"
    raise ValueError(f"don't know the checkpoint kind of {type(policy).__name__}; set a `checkpoint_kind` attribute")


def save_checkpoint(directory: str | os.PathLike, policy: nn.Module, extra: dict[str, Any] | None = None) -> Path:
    """Write policy weights (persistent state_dict, contiguous float tensors), config and normaliser; returns dir."""
    directory = Path(directory)
    tmp = directory.with_name(directory.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    state = {k: v.detach().cpu().contiguous() for k, v in policy.state_dict().items()}
    save_file(state, str(tmp / "model.safetensors"))
    config = {"kind": kind_of(policy), "policy": policy.config.to_dict(), **(extra or {})}
    (tmp / "config.json").write_text(json.dumps(config, indent=2, sort_keys=False) + "\n")
    (tmp / "normalizer.json").write_text(json.dumps(policy.normalizer.to_dict(), indent=1) + "\n")
    if directory.exists():
        old = directory.with_name(directory.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        directory.rename(old)
        tmp.rename(directory)
        shutil.rmtree(old)
    else:
        tmp.rename(directory)
    return directory


def read_config(directory: str | os.PathLike) -> dict[str, Any]:
    """The checkpoint's config.json; FileNotFoundError naming the directory when it has none."""
    path = Path(directory) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{directory}: no config.json (not a checkpoint directory: expected config.json, "
                                f"model.safetensors and normalizer.json)")
    return json.loads(path.read_text())


def load_checkpoint(directory: str | os.PathLike, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild the policy saved in `directory` (eval mode, on `device`)."""
    directory = Path(directory)
    config = read_config(directory)
    kind = config.get("kind")
    if kind not in _LOADERS:
        raise ValueError(f"{directory}: unknown checkpoint kind {kind!r}; registered: {sorted(_LOADERS)}")
    normalizer = Normalizer.from_dict(json.loads((directory / "normalizer.json").read_text()))
    state = load_file(str(directory / "model.safetensors"))
    module_name, fn_name = _LOADERS[kind].split(":")
    build = getattr(importlib.import_module(module_name), fn_name)
    return build(config, normalizer, state).to(device).eval()
