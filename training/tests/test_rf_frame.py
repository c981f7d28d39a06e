"""The rectified-flow conversion: a DDIM step is an Euler step in the RF frame (to 1e-6), trajectories match DDIM."""
import pytest
import torch

from oneflow_train import rf_frame, sampling


def _schedule(K: int = 100) -> torch.Tensor:
    return sampling.make_schedule(K).alphas_cumprod


def _random_eps_fn(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(2, 2, generator=g, dtype=torch.float64) * 0.5
    b = torch.randn(16, 2, generator=g, dtype=torch.float64) * 0.3

    def eps_fn(x, k):  # any smooth function of (x, k) will do: the identity holds for every eps
        x64 = x.to(torch.float64)
        return (torch.tanh(x64 @ W) + b * torch.cos(k.to(torch.float64) / 30)[:, None, None] + 0.7 * x64).to(x.dtype)
    return eps_fn


def _ddim_x_space(eps_fn, x, abar, ks, clip):
    """Independent reference: the textbook (diffusers) DDIM step in x-space, eta = 0, set_alpha_to_one=True."""
    xs = [x]
    for j, k in enumerate(ks):
        a_t = abar[k]
        a_prev = abar[ks[j + 1]] if j + 1 < len(ks) else torch.tensor(1.0, dtype=abar.dtype)
        eps = eps_fn(x, torch.full((x.shape[0],), k, dtype=torch.long))
        x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        if clip:
            x0 = x0.clamp(-1, 1)
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
        xs.append(x)
    return xs


def test_forward_process_is_the_linear_interpolant():
    coef = rf_frame.rf_coefficients(_schedule())
    x0, eps = torch.randn(4, 16, 2, dtype=torch.float64), torch.randn(4, 16, 2, dtype=torch.float64)
    for k in (0, 17, 50, 99):
        x = coef["alpha"][k] * x0 + coef["sigma"][k] * eps
        tau = coef["tau"][k]
        assert torch.allclose(x / coef["scale"][k], (1 - tau) * x0 + tau * eps, atol=1e-12)
    assert 0.02 < coef["tau"][0] < 0.03 and coef["tau"][99] > 0.999


@pytest.mark.parametrize("k, k_next", [(99, 93), (50, 43), (7, 0)])
def test_ddim_step_equals_euler_step_in_rf_frame(k, k_next):
    abar = _schedule().to(torch.float64)
    coef = rf_frame.rf_coefficients(abar)
    eps_fn = _random_eps_fn()
    x = torch.randn(8, 16, 2, dtype=torch.float64)
    x_next = _ddim_x_space(eps_fn, x, abar, [k, k_next], clip=False)[1]
    # the same step as Euler on dz/dtau = eps - x0 in the RF frame
    z = x / coef["scale"][k]
    eps = eps_fn(x, torch.full((8,), k, dtype=torch.long))
    v, _ = rf_frame.teacher_velocity(z, eps, float(coef["alpha"][k]), float(coef["sigma"][k]), clip_sample=False)
    z_next = rf_frame.euler_step(z, v, float(coef["tau"][k]), float(coef["tau"][k_next]))
    err = (z_next * coef["scale"][k_next] - x_next).abs().max().item()
    assert err < 1e-6, err


@pytest.mark.parametrize("clip", [False, True])
def test_teacher_trajectory_matches_ddim_every_state(clip):
    abar = _schedule()
    coef = rf_frame.rf_coefficients(abar)
    ks = sampling.ddim_timesteps(16, 100)
    assert ks[0] == 99 and len(ks) == 16
    eps_fn = _random_eps_fn(1)
    noise = torch.randn(8, 16, 2, dtype=torch.float64)  # float64: unclipped x0 at k=99 is eps-error / 5e-4
    traj = rf_frame.teacher_trajectory(eps_fn, noise, abar, ks, clip_sample=clip)
    ref = _ddim_x_space(eps_fn, noise, abar.to(torch.float64), ks, clip)
    assert traj.z.shape == (17, 8, 16, 2) and traj.v.shape == (16, 8, 16, 2) and traj.tau[-1] == 0
    for j in range(17):
        scale = coef["scale"][ks[j]] if j < 16 else 1.0  # the final state is at abar = 1, tau = 0
        err = (traj.z[j] - ref[j] / scale).abs().max().item()
        assert err < 1e-6, (j, err)
    if clip:
        assert traj.endpoint.abs().max() <= 1.0 + 1e-6


def test_teacher_trajectory_matches_shared_ddim_sampler():
    schedule = sampling.make_schedule(100)
    eps_fn = _random_eps_fn(2)
    noise = torch.randn(4, 16, 2)
    ref = sampling.ddim_sample(eps_fn, noise, schedule, 16, clip_sample=True)
    ks = sampling.ddim_timesteps(16, 100)
    traj = rf_frame.teacher_trajectory(eps_fn, noise, schedule.alphas_cumprod, ks, clip_sample=True)
    assert (traj.endpoint - ref).abs().max().item() < 1e-5


def test_tau_to_k_inverts_the_grid():
    abar = _schedule()
    tau = rf_frame.rf_coefficients(abar)["tau"].float()
    k = rf_frame.tau_to_k(tau, abar)
    assert (k - torch.arange(100).float()).abs().max() < 1e-3
    mid = rf_frame.tau_to_k(torch.tensor([0.5]), abar)
    assert 45 < mid.item() < 52
