"""Loader: real dataset shapes + fingerprints; malformed datasets give errors naming the path and the problem."""
import numpy as np
import pytest
import zarr

from oneflow_train.data.pusht import FINGERPRINTS, N_EPISODES, N_FRAMES, DatasetError, load_replay_buffer


@pytest.fixture(scope="module")
def buf():
    return load_replay_buffer()


def test_shapes_and_episodes(buf):
    assert buf.n_episodes == N_EPISODES == 206
    assert buf.n_frames == N_FRAMES == 25650
    assert buf.state.shape == (25650, 5) and buf.action.shape == (25650, 2)
    assert buf.keypoint.shape == (25650, 9, 2) and buf.n_contacts.shape == (25650, 1)
    lengths = buf.episode_lengths
    assert lengths.min() == 49 and lengths.max() == 246 and lengths.sum() == 25650
    assert buf.episode(3)["state"].shape == (lengths[3], 5)


def test_lowdim_fingerprints(buf):
    got = buf.fingerprints()
    assert got == {k: FINGERPRINTS[k] for k in got}
    buf.check_fingerprints()


def test_image_fingerprint(buf):
    assert buf.fingerprints(include_images=True)["img"] == FINGERPRINTS["img"]  # streamed, chunk by chunk
    first = buf.read_images(0, 2)
    assert first.shape == (2, 96, 96, 3) and first.dtype == np.uint8


def _write_fixture(path, n_frames=20, ends=(8, 20), state_shape=(5,)):
    root = zarr.open_group(str(path), mode="w")
    data = root.create_group("data")
    data["state"] = np.zeros((n_frames, *state_shape), np.float32)
    data["action"] = np.zeros((n_frames, 2), np.float32)
    data["keypoint"] = np.zeros((n_frames, 9, 2), np.float32)
    data["n_contacts"] = np.zeros((n_frames, 1), np.float32)
    data["img"] = np.zeros((n_frames, 96, 96, 3), np.float32)
    root.create_group("meta")["episode_ends"] = np.asarray(ends, np.int64)
    return path


def test_missing_path_names_path(tmp_path):
    with pytest.raises(DatasetError, match=r"nope\.zarr: dataset not found"):
        load_replay_buffer(tmp_path / "nope.zarr")


def test_wrong_shape_names_array(tmp_path):
    p = _write_fixture(tmp_path / "bad.zarr", state_shape=(4,))
    with pytest.raises(DatasetError, match=r"bad\.zarr: data/state has shape \(20, 4\)"):
        load_replay_buffer(p, expected_episodes=None)


def test_wrong_episode_count(tmp_path):
    p = _write_fixture(tmp_path / "small.zarr")
    with pytest.raises(DatasetError, match=r"small\.zarr: 2 episodes, expected 206"):
        load_replay_buffer(p)
    assert load_replay_buffer(p, expected_episodes=None).n_episodes == 2


def test_frame_count_mismatch(tmp_path):
    p = _write_fixture(tmp_path / "short.zarr", ends=(8, 19))
    with pytest.raises(DatasetError, match=r"has 20 frames but meta/episode_ends ends at 19"):
        load_replay_buffer(p, expected_episodes=None)


def test_missing_array(tmp_path):
    p = _write_fixture(tmp_path / "noact.zarr")
    del zarr.open_group(str(p), mode="a")["data/action"]
    with pytest.raises(DatasetError, match=r"missing array data/action"):
        load_replay_buffer(p, expected_episodes=None)
