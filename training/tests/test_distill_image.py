"""The image student: one distillation step of a tiny image teacher on a one-episode slice of the real data (CPU),
and the teacher sees exactly the student's random crop."""
import numpy as np
import torch
import zarr

from oneflow_train.checkpoint import load_checkpoint, save_checkpoint
from oneflow_train.data.normalizer import Normalizer
from oneflow_train.data.pusht import DEFAULT_ZARR_PATH, PushTSequenceDataset, ReplayBuffer, load_replay_buffer
from oneflow_train.distill import DistillConfig, distill
from oneflow_train.policies.oneflow_student import OneFlowStudentPolicy
from oneflow_train.policies.teacher import TeacherPolicy
from oneflow_train.policies.teacher_config import TeacherConfig


def _one_episode_with_images() -> ReplayBuffer:
    full = load_replay_buffer()
    n = int(full.episode_ends[0])
    images = np.asarray(zarr.open_group(str(DEFAULT_ZARR_PATH), mode="r")["data/img"][:n]).astype(np.uint8)
    return ReplayBuffer(path=full.path, episode_ends=np.array([n]), state=full.state[:n], action=full.action[:n],
                        keypoint=full.keypoint[:n], n_contacts=full.n_contacts[:n], _images=images)


def test_image_student_one_step_and_same_crop(tmp_path):
    buf = _one_episode_with_images()
    ds = PushTSequenceDataset(buf, [0], horizon=16, n_obs_steps=2, n_action_steps=8, with_image=True)
    norm = Normalizer().fit({"agent_pos": buf.state[:, :2], "action": buf.action})
    torch.manual_seed(0)
    cfg = TeacherConfig(name="tiny_image", obs_type="image", down_dims=(16, 32), step_embed_dim=16, n_groups=4,
                        image_backbone="small_cnn")
    teacher = TeacherPolicy(cfg, norm)
    # same crop seed -> identical conditioning from the (warm-started) student and the teacher in crop mode
    student = OneFlowStudentPolicy.from_teacher(teacher).train()
    batch = ds.get_batch(np.arange(3))
    c_t = teacher.train().global_cond(batch["state"], batch["image"], torch.Generator().manual_seed(7))
    c_s = student.global_cond(batch["state"], batch["image"], torch.Generator().manual_seed(7))
    c_other = student.global_cond(batch["state"], batch["image"], torch.Generator().manual_seed(8))
    assert torch.equal(c_t, c_s) and not torch.allclose(c_s, c_other)

    save_checkpoint(tmp_path / "teacher", teacher.eval(), {"train_episodes": [0], "val_episodes": [0]})
    dcfg = DistillConfig(name="tiny_image_student", epochs=1, batch_size=4, max_batches_per_epoch=1, teacher_steps=3,
                         warmup_steps=1, val_samples=4, val_episodes=0)
    summary = distill(tmp_path / "teacher", dcfg, tmp_path / "out", device="cpu", dataset=ds, val_dataset=ds)
    assert summary["steps"] == 1 and np.isfinite(summary["epochs"][0]["loss"])
    loaded = load_checkpoint(tmp_path / "out" / "final")
    with torch.no_grad():
        a = loaded.sample(batch["state"], batch["image"], torch.randn(3, 1, 16, 2))
    assert a.shape == (3, 16, 2) and torch.isfinite(a).all()


def test_teacher_sees_the_students_crop_in_validation_and_per_epoch(tmp_path):
    """Audit fix: the frozen teacher's encoder ran in train mode (a random crop) where the student saw the centre
    crop (`paired_endpoint_mse`), and per-epoch trajectories ignored the batch's crop seed."""
    from oneflow_train.distill import _solve_epoch, solve_teacher, teacher_cond
    from oneflow_train.sampling import ddim_timesteps

    buf = _one_episode_with_images()
    ds = PushTSequenceDataset(buf, [0], horizon=16, n_obs_steps=2, n_action_steps=8, with_image=True)
    norm = Normalizer().fit({"agent_pos": buf.state[:, :2], "action": buf.action})
    torch.manual_seed(0)
    cfg = TeacherConfig(name="tiny_image", obs_type="image", down_dims=(16, 32), step_embed_dim=16, n_groups=4,
                        image_backbone="small_cnn")
    teacher = TeacherPolicy(cfg, norm).train()
    student = OneFlowStudentPolicy.from_teacher(teacher).eval()
    batch = ds.get_batch(np.arange(3))
    # validation: no crop seed -> the centre crop, exactly the evaluating student's conditioning
    assert torch.equal(teacher_cond(teacher, batch["state"], batch["image"], None),
                       student.global_cond(batch["state"], batch["image"]))
    # per-epoch solves: each batch's trajectories from that batch's crop, identical to the online solve
    ks = ddim_timesteps(3)
    batches, crops = [np.arange(0, 3), np.arange(3, 5)], [11, 12]
    noises = [torch.randn(3, 16, 2), torch.randn(2, 16, 2)]
    cached = _solve_epoch(teacher, ds, batches, noises, crops, ks, torch.device("cpu"))
    for b, n, c, traj in zip(batches, noises, crops, cached):
        got = ds.get_batch(b)
        online = solve_teacher(teacher, got["state"], got["image"], n, ks, c)
        assert torch.allclose(traj.z, online.z, atol=1e-6)
