"""keypoints_from_state reproduces the recorded data/keypoint (numpy and torch)."""
import numpy as np
import pytest
import torch

from oneflow_train.data.keypoints import keypoint_obs_from_state, keypoints_from_state
from oneflow_train.data.pusht import load_replay_buffer


@pytest.fixture(scope="module")
def buf():
    return load_replay_buffer()


def test_matches_recorded_keypoints(buf):
    kp = keypoints_from_state(buf.state.astype(np.float64))
    err = np.linalg.norm(kp - buf.keypoint, axis=-1).max(-1)  # per frame, px
    no_contact = buf.n_contacts[:, 0] == 0
    # frames without contact: recorded keypoints and state agree to float32 precision
    assert np.percentile(err[no_contact], 99) < 1e-3
    assert np.median(err) < 1e-4
    # in contact frames the recording's keypoint pose and state pose differ slightly (docs/pusht_env.md)
    assert err.max() < 3.0


def test_torch_matches_numpy(buf):
    s = buf.state[:64]
    kp_np = keypoints_from_state(s)
    kp_t = keypoints_from_state(torch.from_numpy(s))
    assert kp_t.shape == (64, 9, 2) and kp_t.dtype == torch.float32
    np.testing.assert_allclose(kp_t.numpy(), kp_np, atol=1e-3)
    obs = keypoint_obs_from_state(torch.from_numpy(s).reshape(8, 8, 5))
    assert obs.shape == (8, 8, 20)
    np.testing.assert_allclose(obs[0, 0, :18].numpy(), kp_np[0].reshape(-1), atol=1e-3)
    np.testing.assert_allclose(obs[0, 0, 18:].numpy(), s[0, :2])


def test_rotation_convention():
    # angle pi/2 (y down): local +x maps to world +y
    kp = keypoints_from_state(np.array([0, 0, 100, 100, np.pi / 2]))
    from oneflow_train.data.keypoints import BLOCK_KEYPOINTS_LOCAL as L
    np.testing.assert_allclose(kp[:, 0], 100 - L[:, 1], atol=1e-9)
    np.testing.assert_allclose(kp[:, 1], 100 + L[:, 0], atol=1e-9)
