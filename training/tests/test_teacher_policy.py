"""TeacherPolicy: conditioning from raw inputs, sampling interfaces, EvalPolicy adapter, EMA and LR schedule."""
import numpy as np
import pytest
import torch

from oneflow_train.ema import Ema, ema_decay
from oneflow_train.lr_schedule import cosine_with_warmup
from oneflow_train.policies.teacher import TeacherEvalPolicy, TeacherPolicy, parse_sampler
from oneflow_train.policies.teacher_config import TeacherConfig
from oneflow_train.teacher_bench import synthetic_batch, synthetic_normalizer

torch.set_num_threads(1)


def tiny_config(obs_type="keypoints", **kw):
    return TeacherConfig(name=f"tiny_{obs_type}", obs_type=obs_type, down_dims=(16, 32, 64), step_embed_dim=16,
                         image_backbone="small_cnn", **kw)


@pytest.mark.parametrize("obs_type,cond_dim", [("keypoints", 40), ("state", 10), ("image", 132)])
def test_global_cond_and_sample_shapes(obs_type, cond_dim):
    cfg = tiny_config(obs_type)
    policy = TeacherPolicy(cfg, synthetic_normalizer(cfg)).eval()
    b = synthetic_batch(cfg, 3, torch.Generator().manual_seed(0))
    with torch.no_grad():
        cond = policy.global_cond(b["state"], b.get("image"))
        assert cond.shape == (3, cond_dim) == (3, cfg.global_cond_dim)
        for sampler, S in (("ddpm100", 100), ("ddim:4", 1)):
            assert policy.noise_shape(sampler) == (S, 16, 2)
            act = policy.sample(b["state"], b.get("image"), torch.randn(3, S, 16, 2), sampler)
            assert act.shape == (3, 16, 2)
            lo, hi = policy.normalizer.params["action"]["min"], policy.normalizer.params["action"]["max"]
            # clip_sample keeps actions in the fitted range, up to DP's float32 arithmetic in the last DDPM step
            # (1 - ᾱ_0 ≈ 4e-5 in float32 makes its x̂0 coefficient 1 ± 2e-3, i.e. < 1 px here)
            assert (act >= torch.as_tensor(lo) - 1.0).all() and (act <= torch.as_tensor(hi) + 1.0).all()
        assert torch.isfinite(policy.loss(b, torch.Generator().manual_seed(1)))


def test_keypoint_cond_uses_only_the_first_To_steps_and_normalises():
    cfg = tiny_config()
    policy = TeacherPolicy(cfg, synthetic_normalizer(cfg))
    b = synthetic_batch(cfg, 2, torch.Generator().manual_seed(0))
    cond = policy.global_cond(b["state"])
    changed = b["state"].clone()
    changed[:, 2:] += 10.0
    assert torch.equal(cond, policy.global_cond(changed))
    assert cond.abs().max() <= 1.0 + 1e-5  # inside the fitted range -> [-1, 1]
    with pytest.raises(ValueError, match="needs an image"):
        TeacherPolicy(tiny_config("image"), synthetic_normalizer(tiny_config("image"))).global_cond(b["state"])


def test_eval_policy_adapter_is_deterministic_for_ddim():
    cfg = tiny_config()
    policy = TeacherPolicy(cfg, synthetic_normalizer(cfg))
    ev = TeacherEvalPolicy(policy, "ddim:3")
    assert (ev.n_obs_steps, ev.n_action_steps, ev.horizon, ev.noise_shape, ev.uses_image) == (2, 8, 16, (1, 16, 2), False)
    state = np.random.default_rng(0).uniform(50, 450, (2, 2, 5)).astype(np.float32)
    noise = np.random.default_rng(1).standard_normal((2, 1, 16, 2)).astype(np.float32)
    a, b = ev.predict(state, None, noise), ev.predict(state, None, noise)
    assert a.dtype == np.float32 and a.shape == (2, 16, 2) and np.array_equal(a, b)
    assert TeacherEvalPolicy(policy, "ddpm100").noise_shape == (100, 16, 2)


def test_parse_sampler_rejects_unknown():
    assert parse_sampler("ddim:16") == ("ddim", 16) and parse_sampler("ddpm100") == ("ddpm", 100)
    with pytest.raises(ValueError, match="unknown sampler"):
        parse_sampler("euler:3")
    with pytest.raises(ValueError, match="DDIM steps must be in"):
        parse_sampler("ddim:101")


def test_config_validation_names_the_problem():
    with pytest.raises(ValueError, match="horizon=12 must be a multiple of"):
        TeacherConfig(horizon=12, down_dims=(8, 16, 32, 64))
    with pytest.raises(ValueError, match="unknown TeacherConfig fields"):
        TeacherConfig.from_dict({"widths": [1]})


def test_ema_update_follows_dp_decay():
    assert ema_decay(0) == 0.0 and ema_decay(1) == 0.0
    assert abs(ema_decay(11) - (1 - 11 ** -0.75)) < 1e-12
    assert ema_decay(10**9) == 0.9999
    model = torch.nn.Linear(2, 2)
    ema = Ema(model)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema.update(model)  # step 0: decay 0 -> copy
    assert torch.equal(ema.model.weight, model.weight)
    for _ in range(10):
        ema.update(model)  # steps 1..10 keep the copy (model unchanged)
    with torch.no_grad():
        model.weight.fill_(3.0)
    ema.update(model)  # optimization_step 11 -> decay(11)
    d = ema_decay(11)
    assert torch.allclose(ema.model.weight, torch.full((2, 2), d * 1.0 + (1 - d) * 3.0))
    assert ema.optimization_step == 12


def test_cosine_schedule_with_warmup():
    assert cosine_with_warmup(0, 500, 1000) == 0.0
    assert cosine_with_warmup(250, 500, 1000) == 0.5
    assert cosine_with_warmup(500, 500, 1000) == 1.0
    assert abs(cosine_with_warmup(750, 500, 1000) - 0.5) < 1e-12
    assert cosine_with_warmup(1000, 500, 1000) == 0.0
