"""Resumable distillation: chained segments give bit-identical weights to one unbroken run, and a time budget ends a
resumable segment instead of leaving an undecayed schedule behind as `final/`."""
import json

import numpy as np
import pytest
import torch

from oneflow_train.checkpoint import save_checkpoint
from oneflow_train.distill import DistillConfig, distill
from oneflow_train.distill_resume import load_resume_state
from oneflow_train.lr_schedule import cosine_with_warmup

from test_distill import teacher  # noqa: F401  (pytest fixture; `data` comes from conftest.py)

PLAN = dict(name="tiny_student", epochs=2, batch_size=8, max_batches_per_epoch=3, teacher_steps=4, warmup_steps=1,
            val_samples=8, val_episodes=0, resume_every_steps=0, checkpoint_every_epochs=1,
            loss={"states_per_traj": 2})  # a random state subset per batch: the run's generator matters


def _tensors(state: dict) -> dict[str, torch.Tensor]:
    """Every tensor of a resume state (student, EMA, AdamW moments, RNG states), by a flat key."""
    out = {}

    def walk(prefix, obj):
        if isinstance(obj, torch.Tensor):
            out[prefix] = obj
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(f"{prefix}.{k}", v)
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                walk(f"{prefix}.{i}", v)

    walk("", state)
    return out


@pytest.fixture(scope="module")
def teacher_dir(teacher, tmp_path_factory):  # noqa: F811
    d = tmp_path_factory.mktemp("teacher") / "ckpt"
    save_checkpoint(d, teacher, {"train_episodes": [0, 1], "val_episodes": [2]})
    return d


@pytest.fixture(scope="module")
def unbroken(teacher_dir, data, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("unbroken")
    summary = distill(teacher_dir, DistillConfig(**PLAN), out, dataset=data[0], val_dataset=data[1])
    return out, summary


@pytest.mark.parametrize("trajectories", ["online", "per_epoch"])
def test_chained_segments_equal_one_unbroken_run(teacher_dir, data, unbroken, tmp_path, trajectories):  # noqa: F811
    ref_out, ref = unbroken
    if trajectories != "online":
        ref_out = tmp_path / "ref"
        ref = distill(teacher_dir, DistillConfig(**PLAN, trajectories=trajectories), ref_out, dataset=data[0],
                      val_dataset=data[1])
    assert ref["complete"] and ref["steps"] == 6 and ref["segments"] == 1
    # a budget no step fits in: every segment runs exactly one step (splits mid-epoch AND at the epoch boundary)
    cfg = DistillConfig(**PLAN, trajectories=trajectories, time_budget_s=1e-9)
    out = tmp_path / "chained"
    summary = distill(teacher_dir, cfg, out, dataset=data[0], val_dataset=data[1])
    segments = 1
    while not summary["complete"]:
        assert summary["steps"] == segments and not (out / "final").exists()
        summary = distill(teacher_dir, cfg, out, dataset=data[0], val_dataset=data[1], resume=True)
        segments += 1
    assert segments == 6 and summary["segments"] == 6 and summary["steps"] == 6
    a, b = _tensors(load_resume_state(ref_out)), _tensors(load_resume_state(out))
    assert a.keys() == b.keys() and len(a) > 20
    for k in a:
        assert torch.equal(a[k], b[k]), k
    from safetensors.torch import load_file
    fa, fb = load_file(ref_out / "final" / "model.safetensors"), load_file(out / "final" / "model.safetensors")
    assert fa.keys() == fb.keys() and all(torch.equal(fa[k], fb[k]) for k in fa)
    assert [e["val_endpoint_mse"] for e in ref["epochs"]] == [e["val_endpoint_mse"] for e in summary["epochs"]]
    assert [h["loss"] for h in json.loads((ref_out / "history.json").read_text())] == \
        [h["loss"] for h in json.loads((out / "history.json").read_text())]


def test_time_budget_ends_a_resumable_segment_and_the_schedule_decays_over_the_plan(teacher_dir, data, tmp_path):  # noqa: F811
    out = tmp_path / "run"
    cfg = DistillConfig(**PLAN, time_budget_s=1e-9)
    first = distill(teacher_dir, cfg, out, dataset=data[0], val_dataset=data[1])
    assert not first["complete"] and first["planned_steps"] == 6 and "--resume" in first["resume"]
    assert not (out / "final").exists()  # an undecayed student is never written as the run's result
    state = load_resume_state(out)
    assert state["scheduler"]["last_epoch"] == 1 and state["optimizer"]["param_groups"][0]["lr"] > 0
    done = distill(teacher_dir, DistillConfig(**PLAN), out, dataset=data[0], val_dataset=data[1], resume=True)
    assert done["complete"] and (out / "final").exists()
    state = load_resume_state(out)
    assert state["scheduler"]["last_epoch"] == 6 == done["planned_steps"]
    assert state["optimizer"]["param_groups"][0]["lr"] == pytest.approx(1e-4 * cosine_with_warmup(6, 1, 6)) == 0.0
    again = distill(teacher_dir, DistillConfig(**PLAN), out, dataset=data[0], val_dataset=data[1], resume=True)
    assert again["steps"] == 6  # a complete run is not extended


def test_resume_refuses_a_different_plan(teacher_dir, data, tmp_path):  # noqa: F811
    out = tmp_path / "run"
    distill(teacher_dir, DistillConfig(**PLAN, time_budget_s=1e-9), out, dataset=data[0], val_dataset=data[1])
    with pytest.raises(ValueError, match=r"epochs: saved 2, now 3"):
        distill(teacher_dir, DistillConfig(**{**PLAN, "epochs": 3}), out, dataset=data[0], val_dataset=data[1],
                resume=True)
    with pytest.raises(FileNotFoundError, match="no resumable state"):
        distill(teacher_dir, DistillConfig(**PLAN), tmp_path / "empty", dataset=data[0], resume=True)


def test_the_literal_velocity_ablation_resumes_bit_identically(teacher_dir, data, tmp_path):  # noqa: F811
    """The literal-velocity variant draws an extra, independent noise per batch (its start-state target): that draw
    is part of the run's generator stream, so a resumed run still equals the unbroken one."""
    plan = {**PLAN, "epochs": 1, "loss": {"velocity_target": "instantaneous", "terminal_target": "none",
                                          "states_per_traj": 2}}
    ref = distill(teacher_dir, DistillConfig(**plan), tmp_path / "ref", dataset=data[0], val_dataset=data[1])
    out = tmp_path / "chained"
    first = distill(teacher_dir, DistillConfig(**plan, time_budget_s=1e-9), out, dataset=data[0], val_dataset=data[1])
    assert not first["complete"] and first["steps"] == 1
    done = distill(teacher_dir, DistillConfig(**plan), out, dataset=data[0], val_dataset=data[1], resume=True)
    assert done["complete"] and done["steps"] == ref["steps"] == 3
    a, b = _tensors(load_resume_state(tmp_path / "ref")), _tensors(load_resume_state(out))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert np.isfinite(done["epochs"][-1]["loss"]) and done["epochs"][-1]["loss"] > 0
