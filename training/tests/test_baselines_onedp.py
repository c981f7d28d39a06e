"""OneDP baseline (OneDP-S / OneDP-D): loss pieces, warm start, distillation loop, checkpoint, export parity.

Tiny scale: a random-initialised tiny keypoint teacher on two dataset episodes."""
import copy

import numpy as np
import pytest
import torch

from oneflow_train.baselines.onedp_distill import (
    OneDPDistillConfig,
    coefficients,
    distill_onedp,
    fake_step,
    generator_step,
)
from oneflow_train.baselines.onedp_loss import diffuse, dsm_loss, kl_gradient
from oneflow_train.baselines.onedp_policy import OneDPConfig, OneDPPolicy
from oneflow_train.checkpoint import load_checkpoint, read_config, save_checkpoint
from oneflow_train.evaluation.factory import make_policy
from oneflow_train.export import export_policy
from oneflow_train.export_parity import normalised_action_error, onnx_predict, torch_predict
from oneflow_train.policies.teacher import TeacherPolicy
from oneflow_train.policies.teacher_config import TeacherConfig

TINY = dict(name="tiny", obs_type="keypoints", down_dims=(16, 32), step_embed_dim=16, n_groups=4)


@pytest.fixture(scope="module")
def teacher(data):
    torch.manual_seed(0)
    return TeacherPolicy(TeacherConfig(**TINY), data[2]).eval().requires_grad_(False)


def _state(ds, n=8):
    return ds.get_batch(np.arange(n))["state"]


def test_kl_gradient_sign_and_weight_on_a_point_mass():
    """Teacher data = a point mass at 0 (exact ε_φ(x, k) = x/σ_k); a Dirac generator at A = 1 (OneDP-D: ε_G = ε).
    The gradient handed to A is α_k²·1 > 0 for every ε: descending it moves A towards the teacher's data."""
    alpha, sigma = torch.tensor([0.9, 0.51, 0.1]), torch.tensor([0.436, 0.86, 0.995])
    a = torch.ones(3, 16, 2)
    eps = torch.randn(3, 16, 2, generator=torch.Generator().manual_seed(0))
    x = diffuse(a, eps, alpha, sigma)
    g = kl_gradient(x / sigma[:, None, None], eps, alpha, sigma)
    assert torch.allclose(g, (alpha ** 2)[:, None, None].expand_as(g), atol=1e-5)
    g_one = kl_gradient(x / sigma[:, None, None], eps, alpha, sigma, weighting="one")
    assert torch.allclose(g_one, (alpha ** 2 / sigma ** 2)[:, None, None].expand_as(g), atol=1e-4)
    with pytest.raises(ValueError, match="weighting must be one of"):
        kl_gradient(x, eps, alpha, sigma, weighting="snr")


def test_generator_gradient_is_zero_when_fake_equals_teacher(teacher, data):
    cfg = OneDPDistillConfig(variant="S")
    generator = OneDPPolicy.from_teacher(teacher, "S").train()
    state = _state(data[0])
    for fake, zero in ((copy.deepcopy(teacher), True), (None, False)):
        if fake is not None:
            fake.requires_grad_(True)
        else:  # a fake network that differs from the teacher: the gradient is no longer zero
            fake = copy.deepcopy(teacher)
            with torch.no_grad():
                list(fake.unet.parameters())[-1].add_(0.1)
        generator.zero_grad(set_to_none=True)
        terms = generator_step(generator, teacher, fake, state, None, cfg, torch.Generator().manual_seed(3))
        terms["loss"].backward()
        grads = [p.grad for p in generator.parameters() if p.grad is not None]
        assert grads
        total = sum(float(g.abs().sum()) for g in grads)
        assert (total == 0.0) if zero else (total > 0.0), total
        assert (float(terms["grad_norm"]) == 0.0) == zero


def test_onedp_d_gradient_is_zero_when_the_teacher_predicts_the_noise(teacher, data):
    """OneDP-D uses the injected ε as the generator's score: a teacher whose ε̂ equals that ε gives no gradient."""
    eps = torch.randn(4, 16, 2)
    alpha, sigma = coefficients(teacher, torch.tensor([2, 40, 65, 95]))
    assert torch.equal(kl_gradient(eps, eps, alpha, sigma), torch.zeros_like(eps))


def test_fake_dsm_loss_decreases_on_a_fixed_generator(teacher, data):
    cfg = OneDPDistillConfig(variant="S")
    generator = OneDPPolicy.from_teacher(teacher, "S").eval().requires_grad_(False)
    fake = copy.deepcopy(teacher).requires_grad_(True).train()
    opt = torch.optim.Adam(fake.parameters(), lr=1e-3, betas=cfg.betas)
    state = _state(data[0], 32)
    with torch.no_grad():
        a = generator.generate(generator.global_cond(state), torch.randn(32, 16, 2, generator=torch.Generator().manual_seed(1)))
    held = torch.Generator().manual_seed(2)
    eps_h, k_h = torch.randn(32, 16, 2, generator=held), torch.randint(2, 96, (32,), generator=held)

    def held_out_dsm() -> float:
        with torch.no_grad():
            alpha, sigma = coefficients(teacher, k_h)
            return float(dsm_loss(fake.unet(diffuse(a, eps_h, alpha, sigma), k_h, fake.global_cond(state)), eps_h))

    before = held_out_dsm()
    gen = torch.Generator().manual_seed(4)
    for _ in range(40):
        loss = fake_step(fake, teacher, a, state, None, cfg, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    after = held_out_dsm()
    assert after < 0.8 * before, (before, after)


def test_warm_start_reads_the_teacher_at_k65_and_d_ignores_noise(teacher, data):
    state = _state(data[0], 4)
    z = torch.randn(4, 16, 2, generator=torch.Generator().manual_seed(5))
    s, d = OneDPPolicy.from_teacher(teacher, "S"), OneDPPolicy.from_teacher(teacher, "D")
    cond = teacher.global_cond(state)
    abar = teacher.alphas_cumprod[65]
    k = torch.full((4,), 65)
    with torch.no_grad():
        expect_s = (z - (1 - abar).sqrt() * teacher.unet(z, k, cond)) / abar.sqrt()
        expect_d = -(1 - abar).sqrt() * teacher.unet(torch.zeros_like(z), k, cond) / abar.sqrt()
        assert torch.allclose(s.generate(cond, z), expect_s, atol=1e-6)
        assert torch.allclose(d.generate(cond, z), expect_d, atol=1e-6)
        assert torch.equal(d.sample(state, None, z[:, None]), d.sample(state, None, 3 * z[:, None] + 1))
        assert not torch.allclose(s.sample(state, None, z[:, None]), s.sample(state, None, 3 * z[:, None] + 1))
    with pytest.raises(ValueError, match="n_steps must be 1, got 2"):
        s.sample(state, None, z[:, None], 2)
    with pytest.raises(ValueError, match="variant must be one of"):
        OneDPConfig(backbone=teacher.config, variant="X")
    with pytest.raises(ValueError, match="k_min=0"):
        OneDPDistillConfig(k_min=0)


@pytest.mark.parametrize("variant", ["S", "D"])
def test_distill_loop_checkpoint_and_eval_adapter(variant, teacher, data, tmp_path):
    tdir = save_checkpoint(tmp_path / "teacher", teacher)
    cfg = OneDPDistillConfig(variant=variant, epochs=1, batch_size=8, max_batches_per_epoch=2, val_samples=8,
                             generator_lr=1e-4)
    summary = distill_onedp(tdir, cfg, tmp_path / "run", dataset=data[0], val_dataset=data[1])
    assert summary["complete"] and summary["steps"] == 2 and summary["variant"] == variant
    assert ("train_fake_dsm" in summary["epochs"][-1]) == (variant == "S")
    assert summary["epochs"][0]["val_teacher_dsm"] > 0
    final = tmp_path / "run" / "final"
    assert read_config(final)["kind"] == "onedp_student"
    policy = load_checkpoint(final)
    assert isinstance(policy, OneDPPolicy) and policy.config.variant == variant
    moved = any(not torch.equal(p, q) for p, q in zip(policy.backbone.state_dict().values(),
                                                       teacher.state_dict().values()))
    assert moved  # the generator was trained
    adapter = make_policy(str(final), {"n_steps": 1})
    assert adapter.noise_shape == (1, 16, 2) and adapter.name.endswith(f"onedp-{variant}")
    state = _state(data[1], 2)[:, :2].numpy()
    out = adapter.predict(state, None, np.zeros((2, 1, 16, 2), np.float32))
    assert out.shape == (2, 16, 2) and np.isfinite(out).all()


@pytest.mark.parametrize("variant", ["S", "D"])
def test_export_parity_and_metadata(variant, teacher, data, tmp_path):
    policy = OneDPPolicy.from_teacher(teacher, variant).eval()
    out = tmp_path / f"onedp_{variant}.onnx"
    result = export_policy(policy, "onestep", out, name=out.stem, provenance={"dataset": "test"})
    meta = result.metadata
    assert meta["method"] == "onedp" and meta["network_calls_per_inference"] == 1
    assert meta["noise"]["shape"] == [1, 1, 16, 2]
    state = _state(data[1], 4)[:, :2].numpy()
    noise = np.random.default_rng(0).standard_normal((4, 1, 16, 2)).astype(np.float32)
    a_onnx = onnx_predict(out, state, noise)
    err = normalised_action_error(policy, a_onnx, torch_predict(policy, "onestep", state, noise))
    assert err <= 1e-4, err
    changed = not np.allclose(onnx_predict(out, state, noise + 1.0), a_onnx)
    assert changed == (variant == "S")  # OneDP-D keeps the noise input but does not depend on it


def test_cli_distill_method_onedp(teacher, tmp_path, capsys):
    """`oneflow-train distill --method onedp` end to end (tiny teacher, 1 step, the real data split); OneFlow-only
    flags are refused with exit 2."""
    import json

    from oneflow_train import cli

    tdir = save_checkpoint(tmp_path / "teacher", teacher)
    config = tmp_path / "onedp.json"
    config.write_text(json.dumps({"name": "tiny_onedp", "epochs": 1, "batch_size": 4, "max_batches_per_epoch": 1,
                                  "val_samples": 4}))
    out = tmp_path / "run"
    rc = cli.main(["distill", "--method", "onedp", "--teacher", str(tdir), "--config", str(config), "--out", str(out),
                   "--set", "variant=D", "--threads", "1"])
    assert rc == 0 and "OneDP-D, 1/1 steps" in capsys.readouterr().out
    assert read_config(out / "final")["distill"]["variant"] == "D"
    rc = cli.main(["distill", "--method", "onedp", "--teacher", str(tdir), "--config", str(config), "--out", str(out),
                   "--ablations", "x.json"])
    assert rc == 2 and "OneFlow-only" in capsys.readouterr().err
