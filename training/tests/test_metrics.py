"""Metrics on distributions whose answer is known: same law ≈ 0, shifted/collapsed laws clearly > 0."""
import types

import numpy as np
import pytest
import torch

from oneflow_train import metrics


def test_energy_distance_and_mmd_separate_laws():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(400, 2)), rng.normal(size=(400, 2))
    shifted = rng.normal(size=(400, 2)) + np.array([1.0, 0.0])
    assert abs(metrics.energy_distance(x, y)) < 0.03
    assert metrics.energy_distance(x, shifted) > 0.3
    assert abs(metrics.mmd_rbf(x, y)) < 0.01
    assert metrics.mmd_rbf(x, shifted) > 0.05
    # energy distance of N(0,1) vs N(mu,1) in 1-D has a closed form: 2 E|Z + mu| − 2 E|Z'| with Z ~ N(0, 2)
    mu = 1.0
    from scipy.stats import norm
    s = np.sqrt(2.0)
    e_abs = lambda m: s * np.sqrt(2 / np.pi) * np.exp(-m ** 2 / (2 * s ** 2)) + m * (1 - 2 * norm.cdf(-m / s))  # noqa: E731
    exact = 2 * e_abs(mu) - 2 * e_abs(0.0)
    big_x, big_y = rng.normal(size=(3000, 1)), rng.normal(size=(3000, 1)) + mu
    assert metrics.energy_distance(big_x, big_y) == pytest.approx(exact, abs=0.03)


def test_variance_ratio_known_scale():
    rng = np.random.default_rng(1)
    teacher = rng.normal(size=(200, 64, 32))
    student = 0.5 * rng.normal(size=(200, 64, 32))
    r = metrics.variance_ratio(student, teacher)
    assert r["ratio"] == pytest.approx(0.25, rel=0.05)
    assert metrics.variance_ratio(teacher, teacher)["ratio"] == pytest.approx(1.0)


def _bimodal(rng, M, K, p_left):
    side = np.where(rng.random((M, K)) < p_left, -1.0, 1.0)
    pts = np.stack([side * 0.8, np.zeros_like(side)], -1) + 0.05 * rng.normal(size=(M, K, 2))
    return pts


def test_mode_histogram_js_detects_collapse_and_reweighting():
    rng = np.random.default_rng(2)
    teacher = _bimodal(rng, 20, 64, 0.5)
    same = _bimodal(rng, 20, 64, 0.5)
    collapsed = 0.05 * rng.normal(size=(20, 64, 2))  # the conditional mean: between the modes
    one_mode = _bimodal(rng, 20, 64, 1.0)
    js_same = metrics.mode_histograms(same, teacher, n_modes=2)
    js_one = metrics.mode_histograms(one_mode, teacher, n_modes=2)
    assert js_same["js_mean"] < 0.02 and js_same["js_pooled"] < 0.01  # finite-sample floor with K = 64
    assert js_one["js_mean"] > 0.25
    # collapse to the midpoint splits ~evenly by nearest centroid but is caught by the variance ratio
    assert metrics.variance_ratio(collapsed, teacher)["ratio"] < 0.02
    assert metrics.js_divergence([1, 0], [0, 1]) == pytest.approx(1.0)
    assert metrics.js_divergence([1, 1], [1, 1]) == pytest.approx(0.0)


def test_jerk_and_chunk_boundary():
    t = np.arange(50) * 0.1
    line = np.stack([10 * t, 5 * t], -1)  # constant velocity: zero jerk
    cubic = np.stack([t ** 3, 0 * t], -1)  # d3/dt3 = 6
    assert metrics.jerk(line)["mean"] == pytest.approx(0.0, abs=1e-6)
    assert metrics.jerk(cubic)["mean"] == pytest.approx(6.0, rel=1e-6)
    # chunks cut from one straight line: the next chunk starts exactly where the previous one planned
    path = np.stack([np.arange(200.0), np.zeros(200)], -1)
    chunks = np.stack([path[8 * i - 1 + 1: 8 * i + 16] for i in range(1, 10)])
    d = metrics.chunk_boundary_discontinuity(chunks, n_obs_steps=2, n_action_steps=8)
    assert d["raw"] == pytest.approx(0.0) and d["median_step"] == pytest.approx(1.0)
    jumpy = chunks.copy()
    jumpy[1:, :, 1] += 3.0 * (np.arange(1, 9) % 2)[:, None]  # every other chunk offset by 3 steps
    assert metrics.chunk_boundary_discontinuity(jumpy)["normalised"] == pytest.approx(3.0)
    assert metrics.within_chunk_smoothness(chunks) == pytest.approx(0.0)


def test_chunk_recorder_files_chunks_per_episode_through_the_protocol():
    from oneflow_train.evaluation.protocol import EvalProtocol, run_episodes
    from oneflow_train.metrics.rollouts import ChunkRecorder, _episode_coherence

    class HoldStill:  # plans to stay at the agent's current position: zero jerk, zero boundary gap
        n_obs_steps, n_action_steps, horizon, noise_shape, uses_image = 2, 8, 16, (1, 16, 2), False

        def predict(self, state, image, noise):
            return np.repeat(state[:, -1:, :2], 16, axis=1).astype(np.float32)

    rec = ChunkRecorder(HoldStill())
    results = run_episodes(rec, [100000, 100001], EvalProtocol(max_steps=20))
    for r in results:
        assert len(rec.chunks[r.seed]) == r.n_policy_calls == 3  # 8 + 8 + 4 steps
        coh = _episode_coherence(rec.chunks[r.seed], r.n_steps, 2, 8)
        assert coh["jerk_mean"] < 1e-3 and coh["boundary_px"] < 1.0


def test_sample_set_comparison_on_known_sets():
    from oneflow_train.metrics.sample_sets import compare

    rng = np.random.default_rng(3)
    teacher = rng.normal(size=(12, 64, 16, 2)) * 0.3
    same_law = rng.normal(size=(12, 64, 16, 2)) * 0.3
    collapsed = np.repeat(teacher.mean(axis=1, keepdims=True), 64, axis=1)  # every draw = the conditional mean
    good, bad = compare(same_law, teacher), compare(collapsed, teacher)
    assert abs(good["energy_distance"]) < 0.1 < bad["energy_distance"]
    assert 0.9 < good["variance_ratio"]["ratio"] < 1.1 and bad["variance_ratio"]["ratio"] < 1e-6
    assert good["mode_js_mean_bits"] < bad["mode_js_mean_bits"]


class _FakeTeacher:
    """DDIM-16 stand-in: a deterministic map of (state, noise); DDPM-100 stand-in: noise of shape (3, Ha, Da)."""

    def noise_shape(self, ref):
        return (1, 16, 2) if ref == "ddim:16" else (3, 16, 2)

    def normalize_action(self, a):
        return a

    def sample(self, state, image, noise, ref):
        offset = state[:, -1, :2].mean(-1)[:, None, None]  # (N, 1, 1)
        z = noise[:, 0] if ref == "ddim:16" else noise.mean(1) * 3 ** 0.5
        return 0.3 * torch.tanh(z) + 0.1 * torch.sign(z[:, -1:, :1]) + offset


class _FakeStudent:
    def __init__(self, teacher, shift=0.0):
        self.teacher, self.shift = teacher, shift
        self.config = types.SimpleNamespace(backbone=types.SimpleNamespace(horizon=16, action_dim=2))

    def sample(self, state, image, noise, n_steps):
        return self.teacher.sample(state, image, noise, "ddim:16") + self.shift


def test_distribution_floor_compares_like_with_like():
    """A student equal to the teacher's ODE scores exactly the floor; the comparison set is independent of the
    student's noise (before: the student was compared with a teacher set from its own noise, the floor with
    independent draws, so a perfect student scored an impossible negative energy distance below the floor)."""
    from oneflow_train.metrics.sample_sets import distribution_match

    teacher = _FakeTeacher()
    states = torch.linspace(-0.5, 0.5, 6 * 2 * 5).reshape(6, 2, 5)
    refs = {"ddim:16": 6, "ddpm100": 3}
    perfect = distribution_match(_FakeStudent(teacher), teacher, states, n_draws=32, seed=5, references=refs)
    s, floor = perfect["ddim:16"]["student_vs_teacher"], perfect["ddim:16"]["teacher_vs_teacher"]
    assert s == floor
    assert s["energy_distance"] > -0.01 and s["variance_ratio"]["ratio"] != 1.0  # not a set compared with itself
    assert perfect["paired_endpoint_mse"] == 0.0 == perfect["ddim:16"]["paired_endpoint_mse"]
    assert perfect["ddpm100"]["n_obs"] == 3 and "paired_endpoint_mse" not in perfect["ddpm100"]
    shifted = distribution_match(_FakeStudent(teacher, 0.2), teacher, states, n_draws=32, seed=5, references=refs)
    for ref in refs:
        r = shifted[ref]
        assert r["student_vs_teacher"]["energy_distance"] > 10 * abs(r["teacher_vs_teacher"]["energy_distance"])
    assert shifted["ddim:16"]["teacher_vs_teacher"] == floor  # the floor does not depend on the student
    assert shifted["paired_endpoint_mse"] == pytest.approx(0.04)
