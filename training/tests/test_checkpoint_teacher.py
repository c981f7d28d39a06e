"""Checkpoint round trip: safetensors + config.json + normalizer.json -> bit-identical outputs."""
import json

import pytest
import torch

from oneflow_train.checkpoint import load_checkpoint, save_checkpoint
from oneflow_train.policies.teacher import TeacherPolicy
from oneflow_train.policies.teacher_config import TeacherConfig
from oneflow_train.teacher_bench import synthetic_batch, synthetic_normalizer

torch.set_num_threads(1)


@pytest.mark.parametrize("obs_type", ["keypoints", "image"])
def test_save_load_round_trip_is_bit_identical(tmp_path, obs_type):
    cfg = TeacherConfig(name="rt", obs_type=obs_type, down_dims=(16, 32, 64), step_embed_dim=16,
                        image_backbone="small_cnn")
    torch.manual_seed(0)
    policy = TeacherPolicy(cfg, synthetic_normalizer(cfg)).eval()
    with torch.no_grad():  # move weights away from init so a silent re-init would be caught
        for p in policy.parameters():
            p.add_(0.01 * torch.randn_like(p))
    out = save_checkpoint(tmp_path / "ckpt", policy, {"provenance": {"seed": 0}})
    assert sorted(f.name for f in out.iterdir()) == ["config.json", "model.safetensors", "normalizer.json"]
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "teacher" and config["provenance"]["seed"] == 0
    loaded = load_checkpoint(out)
    assert not loaded.training
    b = synthetic_batch(cfg, 2, torch.Generator().manual_seed(1))
    noise = torch.randn(2, 100, 16, 2, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        for sampler in ("ddim:5", "ddpm100"):
            a1 = policy.sample(b["state"], b.get("image"), noise, sampler)
            a2 = loaded.sample(b["state"], b.get("image"), noise, sampler)
            assert torch.equal(a1, a2), sampler
    save_checkpoint(tmp_path / "ckpt", loaded)  # overwriting an existing checkpoint works
    assert not (tmp_path / "ckpt.tmp").exists()


def test_load_rejects_unknown_kind(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"kind": "mystery"}))
    (tmp_path / "normalizer.json").write_text("{}")
    with pytest.raises(ValueError, match="unknown checkpoint kind 'mystery'"):
        load_checkpoint(tmp_path)
    with pytest.raises(FileNotFoundError, match="no config.json"):
        load_checkpoint(tmp_path / "nowhere")


def test_shipped_keypoint_teacher_loads_and_samples():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "models" / "teacher_keypoints_cpu"
    if not (path / "model.safetensors").exists():
        pytest.skip(f"no shipped teacher at {path}")
    policy = load_checkpoint(path)
    assert sum(p.numel() for p in policy.parameters()) == 4_559_554
    prov = json.loads((path / "config.json").read_text())["provenance"]
    assert len(prov["train_episodes"]) == 90 and prov["val_episodes"] == [18, 90, 134, 157] and prov["seed"] == 0
    state = torch.tensor([[[222.0, 97.0, 300.0, 300.0, 1.0]] * 2])  # (1, To=2, 5) raw
    with torch.no_grad():
        a = policy.sample(state, None, torch.zeros(1, 1, 16, 2), "ddim:2")
    assert a.shape == (1, 16, 2) and torch.isfinite(a).all()
    assert ((a >= 0) & (a <= 512)).all()  # inside the action range: the normaliser and weights belong together
