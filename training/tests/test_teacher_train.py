"""Teacher training on a tiny slice of the real Push-T data: one step (keypoints via the CLI, image via the
trainer), resume == uninterrupted, npz round trip."""
import argparse
import json

import numpy as np
import pytest
import torch

from oneflow_train.data.replay_buffer import DEFAULT_ZARR_PATH, ReplayBuffer, load_replay_buffer
from oneflow_train.policies.teacher_config import TeacherConfig
from oneflow_train.teacher_data import export_npz, fit_normalizer, load_npz, make_teacher_data
from oneflow_train.train_teacher import TrainConfig, train

torch.set_num_threads(1)
pytestmark = pytest.mark.skipif(not DEFAULT_ZARR_PATH.exists(), reason=f"dataset not at {DEFAULT_ZARR_PATH}")

TINY = {"down_dims": [16, 32, 64], "step_embed_dim": 16, "image_backbone": "small_cnn"}
TINY_TRAIN = {"batch_size": 8, "total_steps": 4, "warmup_steps": 2, "log_every_steps": 1, "val_every_steps": 1,
              "checkpoint_every_s": 1e9, "num_threads": 1}


@pytest.fixture(scope="module")
def small_buffer():
    """Episodes 0 and 1 of the real buffer, with their images (decoding only those frames)."""
    import zarr

    full = load_replay_buffer()
    ends = full.episode_ends[:2]
    end = int(ends[-1])
    img = zarr.open_group(str(DEFAULT_ZARR_PATH), mode="r")["data/img"][:end].astype(np.uint8)
    return ReplayBuffer(path=full.path, episode_ends=ends, state=full.state[:end], action=full.action[:end],
                        keypoint=full.keypoint[:end], n_contacts=full.n_contacts[:end], _images=img)


def test_one_training_step_through_the_cli(tmp_path):
    from oneflow_train.commands import train_teacher as cmd

    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps({"policy": {"name": "tiny_kp", "obs_type": "keypoints", **TINY},
                                    "train": TINY_TRAIN}))
    parser = argparse.ArgumentParser()
    cmd.add_arguments(parser)
    args = parser.parse_args(["--config", str(cfg_path), "--run-dir", str(tmp_path / "run"), "--episodes", "0,1",
                              "--stop-after-steps", "1"])
    assert cmd.run(args) == 0
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert log[-1]["step"] == 1 and np.isfinite(log[-1]["loss"])
    config = json.loads((tmp_path / "run" / "latest" / "config.json").read_text())
    assert config["provenance"]["train_episodes"] == [0, 1] and config["provenance"]["step"] == 1
    assert (tmp_path / "run" / "latest" / "train_state.pt").exists() and (tmp_path / "run" / "loss.png").exists()
    assert not (tmp_path / "run" / "final").exists()  # 1 of 4 steps: not final yet


def _weights(trainer):
    return {k: v.clone() for k, v in trainer.ema.model.state_dict().items()}


def test_resume_reproduces_an_uninterrupted_run(tmp_path, small_buffer):
    pcfg = TeacherConfig(name="tiny_kp", obs_type="keypoints", **{**TINY, "down_dims": (16, 32, 64)})
    cfg = TrainConfig(**TINY_TRAIN)
    data = make_teacher_data(pcfg, small_buffer, episodes=[0, 1])
    norm = fit_normalizer(pcfg, small_buffer)
    kw = dict(show_progress=False)
    straight = train(pcfg, cfg, data, norm, tmp_path / "a", stop_after_steps=3, **kw)
    train(pcfg, cfg, data, norm, tmp_path / "b", stop_after_steps=2, **kw)
    resumed = train(pcfg, cfg, data, norm, tmp_path / "b", stop_after_steps=1, **kw)
    assert resumed.step_count == straight.step_count == 3
    wa, wb = _weights(straight), _weights(resumed)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    fresh = train(pcfg, cfg, data, norm, tmp_path / "c", stop_after_steps=0, **kw)
    assert any(not torch.equal(wa[k], v) for k, v in _weights(fresh).items() if v.is_floating_point())  # it learned


def test_one_image_training_step_small_cnn(tmp_path, small_buffer):
    pcfg = TeacherConfig(name="tiny_img", obs_type="image", **{**TINY, "down_dims": (16, 32, 64)})
    data = make_teacher_data(pcfg, small_buffer, episodes=[0, 1])
    batch = data.batch(np.arange(3))
    assert batch["image"].shape == (3, 2, 96, 96, 3) and batch["image"].dtype == torch.uint8
    trainer = train(pcfg, TrainConfig(**TINY_TRAIN), data, fit_normalizer(pcfg, small_buffer), tmp_path / "img",
                    stop_after_steps=1, show_progress=False)
    assert trainer.step_count == 1 and np.isfinite(trainer.history[-1]["loss"])
    assert trainer.policy.image_encoder is not None


def test_npz_copy_round_trip(tmp_path, small_buffer):
    path = export_npz(small_buffer, tmp_path / "buf.npz", with_images=True)
    back = load_npz(path)
    assert np.array_equal(back.state, small_buffer.state) and np.array_equal(back.images, small_buffer.images)
    lowdim = load_npz(export_npz(small_buffer, tmp_path / "low.npz", with_images=False))
    pcfg = TeacherConfig(obs_type="image", **{**TINY, "down_dims": (16, 32, 64)})
    with pytest.raises(ValueError, match="no images"):
        make_teacher_data(pcfg, lowdim, episodes=[0])
