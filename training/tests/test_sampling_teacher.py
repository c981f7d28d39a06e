"""Samplers against closed-form scores: determinism, trailing spacing, convergence, DDPM marginals."""
import pytest
import torch

from oneflow_train.sampling import add_noise, ddim_sample, ddim_timesteps, ddpm_sample, make_schedule

torch.set_num_threads(1)
MU, S = 0.3, 0.2  # data x0 ~ N(MU, S²) per coordinate


def gaussian_eps_fn(schedule):
    """Exact E[ε | x_t] for Gaussian data: σ (x - α μ) / (α² s² + σ²)."""
    ac = schedule.alphas_cumprod.to(torch.float64)

    def eps_fn(x, t):
        a = ac[t].sqrt().reshape(-1, 1, 1).to(x.dtype)
        s = (1 - ac[t]).sqrt().reshape(-1, 1, 1).to(x.dtype)
        return s * (x - a * MU) / (a * a * S * S + s * s)

    return eps_fn


def test_schedule_matches_squaredcos_cap_v2_table():
    ac = make_schedule(100).alphas_cumprod
    assert ac.dtype == torch.float32
    assert abs(ac[0].sqrt() - 0.9997) < 1e-3 and abs(ac[50].sqrt() - 0.6916) < 1e-3
    assert abs(ac[99].sqrt() - 4.93e-4) < 2e-5  # β capped at 0.999: ≈ zero terminal SNR
    assert torch.all(ac[1:] < ac[:-1])


def test_trailing_spacing_starts_at_pure_noise():
    assert ddim_timesteps(10) == [99, 88, 77, 66, 55, 44, 33, 22, 11, 0]
    assert ddim_timesteps(1) == [99]
    assert ddim_timesteps(100) == list(range(99, -1, -1))
    assert ddim_timesteps(16)[0] == 99 and len(set(ddim_timesteps(16))) == 16
    assert ddim_timesteps(10, spacing="trailing_arange") == [99, 89, 79, 69, 59, 49, 39, 29, 19, 9]
    assert 99 not in ddim_timesteps(10, spacing="leading")
    with pytest.raises(ValueError, match="DDIM steps must be in"):
        ddim_timesteps(0)


def test_ddim_is_deterministic_given_noise_and_batched():
    sched = make_schedule()
    net = torch.nn.Sequential(torch.nn.Flatten(1), torch.nn.Linear(32, 32), torch.nn.Unflatten(1, (16, 2)))
    eps_fn = lambda x, t: net(x) * (t.reshape(-1, 1, 1) / 100)  # noqa: E731
    x_T = torch.randn(4, 16, 2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a = ddim_sample(eps_fn, x_T, sched, 10)
        b = ddim_sample(eps_fn, x_T.clone(), sched, 10)
        one = ddim_sample(eps_fn, x_T[2:3], sched, 10)
        other = ddim_sample(eps_fn, torch.randn(4, 16, 2), sched, 10)
    assert torch.equal(a, b)
    assert torch.allclose(a[2:3], one, atol=1e-6)  # batching does not mix samples
    assert (a - other).abs().max() > 1e-3
    assert a.abs().max() <= 1.0  # last step lands on clip(x̂0)


def test_ddim_converges_as_steps_grow_and_matches_the_data_distribution():
    sched = make_schedule()
    eps_fn = gaussian_eps_fn(sched)
    x_T = torch.randn(2000, 16, 1, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ref = ddim_sample(eps_fn, x_T, sched, 100, clip_sample=False)
    dists = [(ddim_sample(eps_fn, x_T, sched, n, clip_sample=False) - ref).pow(2).mean().sqrt().item()
             for n in (2, 4, 8, 16, 32, 64)]
    assert all(b < a for a, b in zip(dists, dists[1:])), dists
    assert dists[-1] < 0.1 * dists[0]
    assert abs(ref.mean().item() - MU) < 0.01 and abs(ref.std().item() - S) < 0.02


def test_ddpm_uses_given_noise_and_samples_the_data_distribution():
    sched = make_schedule()
    eps_fn = gaussian_eps_fn(sched)
    noise = torch.randn(2000, 100, 8, 1, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    a = ddpm_sample(eps_fn, noise, sched)
    assert torch.equal(a, ddpm_sample(eps_fn, noise.clone(), sched))
    assert abs(a.mean().item() - MU) < 0.01 and abs(a.std().item() - S) < 0.02
    noise2 = noise.clone()
    noise2[:, 50] += 1.0  # the ancestral noise of a middle step matters
    assert (ddpm_sample(eps_fn, noise2, sched) - a).abs().max() > 1e-3
    with pytest.raises(ValueError, match="DDPM noise must be"):
        ddpm_sample(eps_fn, noise[:, :10], sched)


def test_add_noise_is_the_forward_process():
    sched = make_schedule()
    x0, eps = torch.ones(2, 4, 2), torch.zeros(2, 4, 2)
    out = add_noise(sched, x0, eps, torch.tensor([0, 99]))
    assert torch.allclose(out[0], sched.alphas_cumprod[0].sqrt() * x0[0])
    assert out[1].abs().max() < 1e-3
