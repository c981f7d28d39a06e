"""Consistency Policy baseline (baselines/cp_*.py): the consistency function, the teacher's Heun step, the loss, the
samplers and their ONNX export. Tiny randomly initialised keypoint networks (U-Net widths 16/32) on real Push-T data."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from oneflow_train.baselines.cp_distill import CpDistillConfig, distill_cp
from oneflow_train.baselines.cp_sigma import edm_sigmas, heun_step, teacher_denoiser, vp_input_scale
from oneflow_train.baselines.cp_student import CpLossConfig, CpStudentPolicy
from oneflow_train.checkpoint import load_checkpoint, save_checkpoint
from oneflow_train.evaluation.factory import make_policy
from oneflow_train.export import export_policy, sampler_facts
from oneflow_train.export_parity import dataset_observations, normalised_action_error, onnx_predict, torch_predict
from oneflow_train.policies.oneflow_student import OneFlowStudentPolicy
from oneflow_train.policies.teacher import TeacherPolicy
from oneflow_train.policies.teacher_config import TeacherConfig

TINY = dict(name="tiny", obs_type="keypoints", down_dims=(16, 32), kernel_size=3, step_embed_dim=16, n_groups=4)


@pytest.fixture(scope="module")
def teacher(data):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    return TeacherPolicy(TeacherConfig(**TINY), data[2]).eval()


def perturbed(student: CpStudentPolicy, scale: float = 0.05) -> CpStudentPolicy:
    """The warm-started student moved off the teacher (the stop-time columns start at zero)."""
    with torch.no_grad():
        for p in student.parameters():
            p.add_(scale * torch.randn_like(p))
    return student.eval()


def test_sigma_grid_is_the_teacher_schedule_in_the_edm_frame(teacher):
    ac = teacher.schedule.alphas_cumprod.double()
    sig = edm_sigmas(teacher.schedule.alphas_cumprod)
    # y = x/α has noise level σ: x = α(x0 + σε) = √ᾱ x0 + √(1-ᾱ) ε  <=>  α σ = √(1-ᾱ), α = 1/√(1+σ²)
    assert torch.allclose(vp_input_scale(sig).double(), ac.sqrt(), rtol=1e-5)
    assert torch.allclose(vp_input_scale(sig).double() * sig.double(), (1 - ac).sqrt(), rtol=1e-5)
    assert abs(float(sig[0]) - 0.0251) < 1e-3 and abs(float(sig[98]) - 64.16) < 0.05 and float(sig[99]) > 2000


def test_consistency_function_is_the_identity_at_s_equals_t(teacher, data):
    student = perturbed(CpStudentPolicy.from_teacher(teacher))
    state = data[0].get_batch(np.arange(6))["state"]
    cond = student.global_cond(state)
    k = torch.tensor([0, 1, 17, 50, 94, 98])
    y = torch.randn(6, 16, 2) * student.sigmas[k][:, None, None]
    with torch.no_grad():
        assert torch.equal(student.consistency(y, k, k, cond), y)
        moved = student.consistency(y, k, torch.zeros_like(k), cond)
    assert (moved - y)[1:].abs().amax(dim=(1, 2)).min() > 1e-3  # s < t does move (not a trivial identity)


def test_warm_start_is_the_teacher_for_every_stop_time(teacher, data):
    student = CpStudentPolicy.from_teacher(teacher).eval()
    cond = student.global_cond(data[0].get_batch(np.arange(4))["state"])
    x, k = torch.randn(4, 16, 2), torch.tensor([3, 40, 77, 98])
    with torch.no_grad():
        ref = teacher.unet(x, k, cond)
        for s in (torch.zeros_like(k), k, torch.tensor([1, 2, 60, 5])):
            assert (student.backbone.unet(x, k, cond, s) - ref).abs().max() < 1e-5
    # hence G(y, t -> s) at warm start is one DDIM (Euler) jump of the teacher's unclipped x̂₀
    y, kt, ks = torch.randn(4, 16, 2) * 3, torch.tensor([90, 60, 30, 10]), torch.tensor([50, 0, 10, 9])
    sig = student.sigmas
    with torch.no_grad():
        x0 = y - sig[kt][:, None, None] * teacher.unet(y * vp_input_scale(sig[kt])[:, None, None], kt, cond)
        ddim = x0 + sig[ks][:, None, None] / sig[kt][:, None, None] * (y - x0)
        assert (student.consistency(y, kt, ks, cond) - ddim).abs().max() < 1e-4


def test_heun_step_matches_an_independent_float64_reference_and_the_exact_gaussian_ode():
    """Data x0 ~ N(m, c²) per entry: the exact denoiser is D(y, σ) = (c² y + σ² m)/(c² + σ²) and the PF-ODE solution
    is y(σ) = m + (y0 − m)·√((c² + σ²)/(c² + σ0²)). The ε-network that gives this D through `teacher_denoiser`
    is ε̂ = (y − D)/σ with y = x/c_in."""
    m, c = 0.3, 0.4
    sigmas = torch.tensor([0.05, 0.2, 0.7, 1.5, 4.0, 12.0, 0.95, 1.0], dtype=torch.float64)

    def exact_d(y, s):
        return (c * c * y + s * s * m) / (c * c + s * s)

    def eps_fn(x, k):
        s = sigmas[k][:, None, None]
        y = x / vp_input_scale(s)
        return (y - exact_d(y, s)) / s

    denoise = teacher_denoiser(eps_fn, sigmas, clip=False)
    y0 = torch.linspace(-3, 3, 8, dtype=torch.float64).reshape(2, 4, 1)
    k_from, k_to = torch.tensor([5, 7]), torch.tensor([1, 6])  # 12 -> 0.2 (large), 1.0 -> 0.95 (small)
    out = heun_step(denoise, y0, k_from, k_to, sigmas)
    for b in range(2):  # EDM Algorithm 1, written out per element in plain Python floats
        s0, s1 = float(sigmas[k_from[b]]), float(sigmas[k_to[b]])
        for i in range(4):
            y = float(y0[b, i, 0])
            d1 = (y - (c * c * y + s0 * s0 * m) / (c * c + s0 * s0)) / s0
            ye = y + (s1 - s0) * d1
            d2 = (ye - (c * c * ye + s1 * s1 * m) / (c * c + s1 * s1)) / s1
            ref = y + (s1 - s0) * (d1 + d2) / 2
            assert abs(float(out[b, i, 0]) - ref) < 1e-12
            exact = m + (y - m) * math.sqrt((c * c + s1 * s1) / (c * c + s0 * s0))
            if b == 1:  # a small step: Heun's O(h³) local error is far below Euler's O(h²)
                assert abs(float(out[b, i, 0]) - exact) < 0.05 * abs(ye - exact)
    # a zero-length step (k_from == k_to, the loss's u = t case) leaves y unchanged
    assert torch.equal(heun_step(denoise, y0, k_from, k_from, sigmas), y0)


def test_loss_decreases_on_a_fixed_batch(teacher, data):
    torch.manual_seed(1)
    student = CpStudentPolicy.from_teacher(teacher, dropout=0.0, n_bins=96).train()
    target = student.target_copy().train()
    batch = data[0].get_batch(np.arange(0, 64, 2))
    action = student.backbone.normalize_action(batch["action"])
    with torch.no_grad():
        t_cond = teacher.global_cond(batch["state"])
    teacher_fn = teacher_denoiser(lambda x, k: teacher.unet(x, k, t_cond), student.sigmas, True)
    opt = torch.optim.Adam(student.parameters(), lr=2e-3)
    cfg = CpLossConfig()
    losses = []
    for _ in range(40):
        cond = student.global_cond(batch["state"])
        terms = student.loss(cond, action, target, cond.detach(), teacher_fn, cfg, torch.Generator().manual_seed(7))
        opt.zero_grad()
        terms["loss"].backward()
        opt.step()
        target.load_state_dict(student.state_dict())
        losses.append(float(terms["loss"].detach()))
        assert torch.isfinite(terms["ctm"]) and torch.isfinite(terms["dsm"])
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5]), losses


def test_samplers_and_their_noise(teacher, data):
    student = perturbed(CpStudentPolicy.from_teacher(teacher))
    state = data[0].get_batch(np.arange(3))["state"]
    noise = torch.randn(3, 3, 16, 2)
    with torch.no_grad():
        a1, a3 = student.sample(state, None, noise, 1), student.sample(state, None, noise, 3)
        assert torch.equal(a1, student.sample(state, None, noise[:, :1], 1))  # one step reads noise[:, 0] only
        changed = noise.clone()
        changed[:, 2] += 1.0
        assert not torch.equal(a3, student.sample(state, None, changed, 3))  # the third step uses noise[:, 2]
    assert a1.shape == a3.shape == (3, 16, 2) and not torch.equal(a1, a3)
    assert [round(float(student.sigmas[k]), 2) for k in student.chain_ks] == [12.81, 0.89]
    with pytest.raises(ValueError, match="n_steps must be one of"):
        student.sample(state, None, noise, 4)


@pytest.mark.parametrize("sampler,steps", [("onestep", 1), ("threestep", 3)])
def test_export_parity_and_contract(teacher, tmp_path, sampler, steps):
    student = perturbed(CpStudentPolicy.from_teacher(teacher, name="tiny_cp"))
    assert sampler_facts(student, sampler) == ("cp", steps, steps)
    res = export_policy(student, sampler, tmp_path / f"cp_{sampler}.onnx", name=f"tiny_cp_{sampler}")
    assert res.metadata["method"] == "cp" and res.metadata["noise"]["shape"] == [1, steps, 16, 2]
    assert res.metadata["network_calls_per_inference"] == steps
    state, _ = dataset_observations(3, 2, seed=5)
    noise = np.random.default_rng(1).standard_normal((3, steps, 16, 2)).astype(np.float32)
    err = normalised_action_error(student, onnx_predict(res.path, state, noise),
                                  torch_predict(student, sampler, state, noise))
    assert err <= 1e-4


def test_oneflow_student_still_refuses_three_steps(teacher):
    with pytest.raises(ValueError, match="expected onestep \\| twostep"):
        sampler_facts(OneFlowStudentPolicy.from_teacher(teacher), "threestep")


def test_two_distillation_steps_checkpoint_and_eval_adapter(teacher, data, tmp_path):
    ds, val, _ = data
    save_checkpoint(tmp_path / "teacher", teacher, {"train_episodes": [0, 1], "val_episodes": [2]})
    cfg = CpDistillConfig(name="tiny_cp", epochs=1, batch_size=8, max_batches_per_epoch=2, warmup_steps=1,
                          val_samples=8, dropout=0.2)
    summary = distill_cp(tmp_path / "teacher", cfg, tmp_path / "out", command="pytest", dataset=ds, val_dataset=val)
    assert summary["steps"] == 2 and np.isfinite(summary["epochs"][0]["val_endpoint_mse"])
    conf = json.loads((tmp_path / "out" / "final" / "config.json").read_text())
    assert conf["kind"] == "cp_student" and conf["policy"]["dropout"] == 0.2 and conf["distill"]["method"] == "cp"
    assert isinstance(load_checkpoint(tmp_path / "out" / "final"), CpStudentPolicy)
    policy = make_policy(str(tmp_path / "out" / "final"), {"n_steps": 3})
    assert policy.noise_shape == (3, 16, 2) and policy.name.endswith("tiny_cp:3step")
    state = ds.get_batch(np.arange(1))["state"].numpy()
    a = policy.predict(state, None, np.zeros((1, 3, 16, 2), np.float32))
    assert a.shape == (1, 16, 2) and np.isfinite(a).all()
