"""OneFlow student + distillation: boundary condition, one-step determinism, one distillation step on real data."""
import json

import numpy as np
import pytest
import torch

from oneflow_train.checkpoint import load_checkpoint, save_checkpoint
from oneflow_train.distill import DistillConfig, distill, solve_teacher
from oneflow_train.policies.oneflow_student import (
    LossConfig,
    OneFlowStudentEvalPolicy,
    OneFlowStudentPolicy,
    rf_input_scale,
)
from oneflow_train.policies.teacher import TeacherPolicy
from oneflow_train.policies.teacher_config import TeacherConfig
from oneflow_train.rf_frame import rf_coefficients
from oneflow_train.sampling import ddim_timesteps

TINY = dict(name="tiny", obs_type="keypoints", down_dims=(16, 32), step_embed_dim=16, n_groups=4)


@pytest.fixture(scope="module")
def teacher(data):
    torch.manual_seed(0)
    return TeacherPolicy(TeacherConfig(**TINY), data[2]).eval()


def test_boundary_condition_at_tau_zero(teacher):
    student = OneFlowStudentPolicy.from_teacher(teacher)
    z = torch.randn(4, 16, 2)
    cond = torch.randn(4, teacher.config.global_cond_dim)
    a = student.denoise(z, torch.zeros(4), torch.zeros(4), cond)
    assert torch.equal(a, z)  # exactly, whatever the weights
    a1 = student.denoise(z, torch.full((4,), 0.9), torch.full((4,), 90.0), cond)
    assert not torch.allclose(a1, z)
    coef = rf_coefficients(teacher.alphas_cumprod)
    assert torch.allclose(rf_input_scale(coef["tau"].float()), coef["scale"].float(), atol=1e-5)


def test_warm_start_copies_the_teacher_network(teacher):
    student = OneFlowStudentPolicy.from_teacher(teacher)
    x, t, c = torch.randn(3, 16, 2), torch.tensor([99, 50, 3]), torch.randn(3, teacher.config.global_cond_dim)
    assert torch.equal(student.backbone.unet(x, t, c), teacher.unet(x, t, c))
    assert all(p.data_ptr() != q.data_ptr() for p, q in zip(student.parameters(), teacher.parameters()))


def test_one_step_sampler_is_deterministic_given_noise(teacher, data):
    policy = OneFlowStudentEvalPolicy(OneFlowStudentPolicy.from_teacher(teacher), n_steps=1)
    assert policy.noise_shape == (1, 16, 2) and policy.n_action_steps == 8 and not policy.uses_image
    state = data[0].get_batch(np.arange(3))["state"][:, :2].numpy()
    noise = np.random.default_rng(0).standard_normal((3, 1, 16, 2)).astype(np.float32)
    a1, a2 = policy.predict(state, None, noise), policy.predict(state, None, noise.copy())
    assert a1.shape == (3, 16, 2) and a1.dtype == np.float32 and np.array_equal(a1, a2)
    a3 = policy.predict(state, None, noise + 0.5)
    assert not np.allclose(a1, a3)
    two = OneFlowStudentEvalPolicy(policy.policy, n_steps=2)
    assert two.noise_shape == (2, 16, 2)
    noise2 = np.random.default_rng(1).standard_normal((3, 2, 16, 2)).astype(np.float32)
    assert np.array_equal(two.predict(state, None, noise2), two.predict(state, None, noise2))


@pytest.mark.parametrize("loss_cfg", [
    LossConfig(),
    LossConfig(velocity_target="instantaneous", terminal_target="demo", loss_type="mse"),
    LossConfig(lambda_global=0.0),
    LossConfig(terminal_target="none", states_per_traj=3),
])
def test_loss_variants_are_finite_and_differentiable(teacher, data, loss_cfg):
    student = OneFlowStudentPolicy.from_teacher(teacher).train()
    batch = data[0].get_batch(np.arange(4))
    noise = torch.randn(4, 16, 2)
    traj = solve_teacher(teacher, batch["state"], None, noise, ddim_timesteps(4))
    cond = student.global_cond(batch["state"])
    other = solve_teacher(teacher, batch["state"], None, torch.randn(4, 16, 2), ddim_timesteps(4)).endpoint
    terms = student.loss(cond, traj, student.backbone.normalize_action(batch["action"]), loss_cfg, start_mean=other)
    terms["loss"].backward()
    assert torch.isfinite(terms["loss"]) and terms["loss"] > 0
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())


def test_flow_map_loss_is_zero_for_a_student_that_reproduces_the_teacher_endpoint(teacher, data):
    """The flow-map target is consistent: a student whose â equals Φ on every state has zero global loss."""
    batch = data[0].get_batch(np.arange(4))
    traj = solve_teacher(teacher, batch["state"], None, torch.randn(4, 16, 2), ddim_timesteps(4))
    tau = traj.tau[:-1, None, None, None]
    u_perfect = (traj.z[:-1] - traj.endpoint[None]) / tau
    a_hat = traj.z[:-1] - tau * u_perfect
    assert (a_hat - traj.endpoint[None]).abs().max() < 1e-5


def test_one_distillation_step_on_real_data_and_checkpoint_round_trip(teacher, data, tmp_path):
    ds, val, norm = data
    save_checkpoint(tmp_path / "teacher", teacher, {"train_episodes": [0, 1], "val_episodes": [2]})
    cfg = DistillConfig(name="tiny_student", epochs=1, batch_size=8, max_batches_per_epoch=2, teacher_steps=4,
                        warmup_steps=1, val_samples=8, val_episodes=0)
    summary = distill(tmp_path / "teacher", cfg, tmp_path / "out", command="pytest", dataset=ds, val_dataset=val)
    assert summary["steps"] == 2 and np.isfinite(summary["epochs"][0]["val_endpoint_mse"])
    assert (tmp_path / "out" / "loss_curve.png").stat().st_size > 1000
    student = load_checkpoint(tmp_path / "out" / "final")
    assert isinstance(student, OneFlowStudentPolicy)
    assert json.loads((tmp_path / "out" / "final" / "config.json").read_text())["kind"] == "oneflow_student"
    noise = torch.randn(2, 1, 16, 2)
    state = ds.get_batch(np.arange(2))["state"]
    with torch.no_grad():
        a = student.sample(state, None, noise)
    assert a.shape == (2, 16, 2) and torch.isfinite(a).all()


def _traj_with_new_start(traj, delta: float):
    from oneflow_train.rf_frame import TeacherTrajectory
    z = traj.z.clone()
    z[0] += delta
    v = traj.v.clone()
    v[0] -= delta
    return TeacherTrajectory(z=z, v=v, tau=traj.tau, k=traj.k)


@pytest.mark.parametrize("terminal", ["teacher_endpoint", "demo", "none"])
def test_the_flow_map_global_term_never_supervises_the_start_state(teacher, data, terminal):
    """Audit fix: "terminal: none/demo" used to supervise j = 0 towards Φ(ε) through the global term. Now the start
    state belongs to the terminal term alone: the global term ignores it, and with no terminal term nothing sees it."""
    student = OneFlowStudentPolicy.from_teacher(teacher)
    batch = data[0].get_batch(np.arange(4))
    traj = solve_teacher(teacher, batch["state"], None, torch.randn(4, 16, 2), ddim_timesteps(4))
    moved = _traj_with_new_start(traj, 0.5)
    cfg = LossConfig(terminal_target=terminal)
    demo = student.backbone.normalize_action(batch["action"])
    cond = student.global_cond(batch["state"])
    a = student.loss(cond, traj, demo, cfg)
    b = student.loss(cond, moved, demo, cfg)
    assert a["global"] > 0 and torch.equal(a["global"], b["global"])
    if terminal == "none":
        assert torch.equal(a["loss"], b["loss"]) and a["terminal"] == 0
    else:
        assert not torch.equal(a["terminal"], b["terminal"])


def test_states_per_traj_counts_the_start_state_only_when_it_is_supervised(teacher, data):
    student = OneFlowStudentPolicy.from_teacher(teacher)
    batch = data[0].get_batch(np.arange(2))
    traj = solve_teacher(teacher, batch["state"], None, torch.randn(2, 16, 2), ddim_timesteps(8))
    seen = []
    original = student.average_velocity

    def spy(z, tau, k, cond):
        seen.append(sorted(set(k.tolist())))
        return original(z, tau, k, cond)

    student.average_velocity = spy
    cond = student.global_cond(batch["state"])
    student.loss(cond, traj, None, LossConfig(states_per_traj=3), torch.Generator().manual_seed(0))
    student.loss(cond, traj, None, LossConfig(terminal_target="none", states_per_traj=3), torch.Generator().manual_seed(0))
    k0 = int(traj.k[0])
    assert k0 in seen[0] and len(seen[0]) == 3  # j = 0 (terminal) + 2 interior states
    assert k0 not in seen[1] and len(seen[1]) == 3  # 3 interior states; the diagnostic forward runs after
    assert seen[2] == [k0]  # the no-grad endpoint diagnostic


def test_literal_velocity_target_at_the_start_state_is_an_independent_teacher_sample(teacher, data):
    """Audit fix: the literal target at τ ≈ 1 was ε̂ − clip(x̂₀) with α ≈ 5e-4 (x̂₀ almost all clipped: one step
    then aims at ±1 corners). Now it is (z₀ − m)/τ₀ with m an independent teacher endpoint, so the one-step output
    is regressed on m: global = mean((â(z₀) − m)²)/τ₀² when only j = 0 is supervised (MSE)."""
    student = OneFlowStudentPolicy.from_teacher(teacher)
    batch = data[0].get_batch(np.arange(4))
    traj = solve_teacher(teacher, batch["state"], None, torch.randn(4, 16, 2), ddim_timesteps(4))
    m = solve_teacher(teacher, batch["state"], None, torch.randn(4, 16, 2), ddim_timesteps(4)).endpoint
    cfg = LossConfig(velocity_target="instantaneous", terminal_target="none", loss_type="mse", states_per_traj=1)
    cond = student.global_cond(batch["state"])
    with torch.no_grad():
        terms = student.loss(cond, traj, None, cfg, start_mean=m)
        a0 = student.denoise(traj.z[0], traj.tau[:1].repeat(4), traj.k[:1].repeat(4), cond)
    expected = ((a0 - m) ** 2).mean() / traj.tau[0] ** 2
    assert torch.allclose(terms["global"], expected, rtol=1e-5)
    with pytest.raises(ValueError, match="start_mean"):
        student.loss(cond, traj, None, cfg)
