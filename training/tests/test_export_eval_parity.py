"""Eval parity: `oneflow-train eval`'s machinery gives the same per-seed results on an exported ONNX file as on the
checkpoint it came from, both fed the evaluator's per-episode noise. Short episodes (24 env steps = 3 policy calls)
on two test seeds keep it to seconds; a one-step student and a DDIM-2 teacher cover both export paths."""
from __future__ import annotations

import pytest
import torch

from oneflow_train.checkpoint import save_checkpoint
from oneflow_train.evaluation.protocol import EvalProtocol
from oneflow_train.evaluation.runner import evaluate
from oneflow_train.export import export_policy
from oneflow_train.policies.oneflow_student import OneFlowStudentPolicy

from test_export import tiny_teacher

SEEDS = [100000, 100001]
PROTOCOL = EvalProtocol(max_steps=24)


@pytest.mark.parametrize("which,sampler,policy_args", [("student", "onestep", {}), ("teacher", "ddim:2", {"sampler": "ddim:2"})])
def test_onnx_and_checkpoint_score_the_same_per_seed(which, sampler, policy_args, tmp_path):
    torch.set_num_threads(1)
    teacher = tiny_teacher(seed=1)
    policy = teacher if which == "teacher" else OneFlowStudentPolicy.from_teacher(teacher).eval()
    ckpt = save_checkpoint(tmp_path / "ckpt", policy)
    onnx_path = export_policy(policy, sampler, tmp_path / "p.onnx", name="p").path

    from_ckpt = evaluate(str(ckpt), SEEDS, PROTOCOL, workers=1, policy_args=policy_args, progress=False)
    from_onnx = evaluate(str(onnx_path), SEEDS, PROTOCOL, workers=1, progress=False)
    for a, b in zip(from_ckpt, from_onnx):
        assert a["seed"] == b["seed"] and a["n_policy_calls"] == b["n_policy_calls"] == 3
        assert a["score"] == pytest.approx(b["score"], abs=1e-6), (a["seed"], a["score"], b["score"])
        assert a["final_coverage"] == pytest.approx(b["final_coverage"], abs=1e-6)
        assert a["rewards"] == pytest.approx(b["rewards"], abs=1e-6)  # every env step, not just the max
