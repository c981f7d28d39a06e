"""Build an `EvalPolicy` from a spec string: a .onnx file, a checkpoint directory, or a baseline name.

Specs are plain strings so worker processes can rebuild the policy themselves (nothing is pickled).
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

BASELINES = ("demo-replay", "random", "stand-still")

# checkpoint kind -> "module:Adapter"; Adapter(policy_module, **policy_args) is an EvalPolicy. One-line additive edits.
EVAL_ADAPTERS: dict[str, str] = {
    "teacher": "oneflow_train.policies.teacher:TeacherEvalPolicy",
    "oneflow_student": "oneflow_train.policies.oneflow_student:OneFlowStudentEvalPolicy",
    "cp_student": "oneflow_train.baselines.cp_student:CpStudentEvalPolicy",
    "onedp_student": "oneflow_train.baselines.onedp_policy:OneDPEvalPolicy",
}


def make_policy(spec: str, policy_args: dict[str, Any] | None = None, zarr_path: str | None = None):
    policy_args = dict(policy_args or {})
    if spec == "random":
        from .baselines import RandomPolicy

        return RandomPolicy()
    if spec == "stand-still":
        from .baselines import StandStillPolicy

        return StandStillPolicy()
    if spec == "demo-replay":
        from ..data.replay_buffer import load_replay_buffer
        from .baselines import DemoReplayPolicy

        return DemoReplayPolicy(load_replay_buffer(zarr_path))
    path = Path(spec)
    if path.suffix == ".onnx":
        from .onnx_policy import OnnxPolicy

        return OnnxPolicy(path, **policy_args)
    if path.is_dir():
        from ..checkpoint import load_checkpoint, read_config  # lazy: the teacher engineer's module

        kind = read_config(path).get("kind")
        module = load_checkpoint(path)
        if hasattr(module, "predict") and hasattr(module, "noise_shape"):
            return module
        if kind not in EVAL_ADAPTERS:
            raise ValueError(f"{path}: no EvalPolicy adapter for checkpoint kind {kind!r}; known: {sorted(EVAL_ADAPTERS)}")
        mod_name, cls_name = EVAL_ADAPTERS[kind].split(":")
        adapter = getattr(importlib.import_module(mod_name), cls_name)(module, **policy_args)
        adapter.name = f"{path.name}:{getattr(adapter, 'name', kind)}"
        return adapter
    raise ValueError(f"unknown policy {spec!r}: expected a .onnx file, a checkpoint directory, or one of {BASELINES}")
