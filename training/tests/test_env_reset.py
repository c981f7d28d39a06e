"""Reset: DP's RandomState(seed) draw, legacy set-state order, and the recorded first frames."""
import math

import numpy as np
import pytest

from oneflow_train.data.pusht import load_replay_buffer
from oneflow_train.env import PushTEnv, reset_state_from_seed
from oneflow_train.env.pusht_env import legacy_block_origin


def test_reset_draw_formula():
    rs = np.random.RandomState(seed=0)
    expected = [rs.randint(50, 450), rs.randint(50, 450), rs.randint(100, 400), rs.randint(100, 400),
                rs.randn() * 2 * np.pi - np.pi]
    np.testing.assert_array_equal(reset_state_from_seed(0), expected)
    assert reset_state_from_seed(0)[:2].tolist() == [222, 97]  # episode 0's recorded first agent position


def test_legacy_order_rotates_about_cog():
    env = PushTEnv(legacy=True)
    obs = env.reset(state=[0, 10, 20, 30, 1])
    np.testing.assert_allclose(obs[2:4], [57.87, 50.69], atol=0.01)  # gym-pusht's docstring example
    np.testing.assert_allclose(obs[2:4], legacy_block_origin((20, 30), 1.0), atol=1e-9)
    new = PushTEnv(legacy=False).reset(state=[0, 10, 20, 30, 1])
    np.testing.assert_allclose(new[2:4], [20, 30], atol=1e-9)


def test_reset_obs_for_seed():
    env = PushTEnv()
    for seed in (0, 1, 100000, 100049):
        draw = reset_state_from_seed(seed)
        obs = env.reset(seed=seed)
        np.testing.assert_allclose(obs[:2], draw[:2])
        np.testing.assert_allclose(obs[2:4], legacy_block_origin(draw[2:4], draw[4]), atol=1e-6)
        assert 0 <= obs[4] < 2 * math.pi
        assert math.isclose(obs[4], draw[4] % (2 * math.pi), abs_tol=1e-9)


def test_body_constants_as_dp():
    env = PushTEnv()
    env.reset(seed=0)
    assert env.block.mass == 1 and env.block.moment == pytest.approx(3000)  # DP's inertia bug: 2 x bar
    assert tuple(env.block.center_of_gravity) == (0, 45)
    assert env.space.damping == 0 and tuple(env.space.gravity) == (0, 0)
    assert all(s.friction == 0 for s in env.block.shapes)


def test_reset_matches_recorded_first_frames():
    buf = load_replay_buffer()
    env = PushTEnv()
    for i in range(0, 206, 5):
        obs = env.reset(seed=i)
        rec = buf.state[buf.episode_starts[i]]
        np.testing.assert_allclose(obs[:4], rec[:4], atol=1e-3)
        assert abs((obs[4] - rec[4] + np.pi) % (2 * np.pi) - np.pi) < 1e-5
