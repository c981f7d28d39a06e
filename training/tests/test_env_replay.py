"""Physics fidelity on a few demonstrations: replaying episode i's actions from seed i reproduces its states,
and rendered observations match the recorded images. The full 206-episode figures: `oneflow-train fidelity`."""
import numpy as np
import pytest

from oneflow_train.data.pusht import load_replay_buffer
from oneflow_train.env import PushTEnv
from oneflow_train.env.fidelity import replay_episode


@pytest.fixture(scope="module")
def buf():
    return load_replay_buffer()


@pytest.mark.parametrize("episode", [0, 57, 205])
def test_replay_reproduces_block_trajectory(buf, episode):
    r = replay_episode(buf, episode)
    assert r["max_block_pos_err_px"] < 1e-3
    assert r["final_block_angle_err_rad"] < 1e-4
    assert abs(r["max_coverage_diff"]) < 1e-4


def test_pd_drive_substeps():
    env = PushTEnv()
    env.reset(state=[100, 100, 400, 400, 0])
    env.step([110, 100])
    # 10 substeps of v += (100 (a - x) - 20 v) * 0.01, x += v * 0.01 (semi-implicit Euler, kinematic body)
    x, v = 100.0, 0.0
    for _ in range(10):
        v += (100 * (110 - x) - 20 * v) * 0.01
        x += v * 0.01
    assert env.agent.position.x == pytest.approx(x, abs=1e-9)


def test_rendered_frame_matches_recording(buf):
    env = PushTEnv()
    env.reset(seed=3)
    img = env.render()
    assert img.shape == (96, 96, 3) and img.dtype == np.uint8
    start = int(buf.episode_starts[3])
    rec = buf.read_images(start, start + 1)[0]
    assert np.abs(img.astype(int) - rec.astype(int)).mean() < 0.5
