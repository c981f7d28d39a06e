"""DP sequence sampler: padding at both episode edges, index semantics, split defaults, dataset items."""
import numpy as np
import pytest
import torch

from oneflow_train.data.pusht import (
    PushTSequenceDataset,
    create_indices,
    frame_indices,
    load_replay_buffer,
    split_episodes,
)


def _dp_sample_sequence(array, row, seq_len):
    """DP's SequenceSampler.sample_sequence, literally (reference for the vectorised gather)."""
    bs, be, ss, se = row
    sample = array[bs:be]
    data = np.zeros((seq_len,) + array.shape[1:], array.dtype)
    data[:ss] = sample[0]
    data[se:] = sample[-1]
    data[ss:se] = sample
    return data


def test_indices_and_padding_both_edges():
    ends = np.array([5, 12])  # episodes [0,5) and [5,12)
    H, To, Ta = 6, 2, 3
    idx = create_indices(ends, H, np.array([True, True]), pad_before=To - 1, pad_after=Ta - 1)
    # episode 0: starts from -1 .. 5-6+2=1 -> 3 windows; episode 1 (len 7): -1..3 -> 5 windows
    assert len(idx) == 8
    frames = frame_indices(idx, H)
    assert frames[0].tolist() == [0, 0, 1, 2, 3, 4]  # first step repeats frame 0 (pad_before = 1)
    assert frames[2].tolist() == [1, 2, 3, 4, 4, 4]  # last 2 steps repeat the last frame (pad_after = 2)
    assert frames[3].tolist() == [5, 5, 6, 7, 8, 9]  # never crosses into the previous episode
    assert frames[-1].tolist() == [8, 9, 10, 11, 11, 11]
    values = np.arange(12.0)[:, None] * 10
    for row, f in zip(idx, frames):
        np.testing.assert_array_equal(values[f], _dp_sample_sequence(values, row, H))


def test_episode_mask_skips():
    ends = np.array([5, 12])
    idx = create_indices(ends, 4, np.array([False, True]), 1, 3)
    assert idx[:, 0].min() >= 5


def test_split_dp_defaults():
    train, val = split_episodes(206)
    assert len(train) == 90 and len(val) == 4
    assert not set(train) & set(val)
    t2, v2 = split_episodes(206)
    np.testing.assert_array_equal(train, t2)
    assert split_episodes(206, seed=0)[0].tolist() != train.tolist()
    all_train, no_val = split_episodes(206, use_all=True)
    assert len(all_train) == 206 and len(no_val) == 0


@pytest.fixture(scope="module")
def buf():
    return load_replay_buffer()


def test_dataset_items(buf):
    ds = PushTSequenceDataset(buf, [0, 1], horizon=16, n_obs_steps=2, n_action_steps=8)
    n0, n1 = buf.episode_lengths[:2]
    assert len(ds) == (n0 - 16 + 7 + 1 + 1) + (n1 - 16 + 7 + 1 + 1)
    item = ds[0]
    assert item["state"].shape == (16, 5) and item["action"].shape == (16, 2)
    assert item["state"].dtype == torch.float32
    s0 = torch.from_numpy(buf.state[0])
    assert torch.equal(item["state"][0], s0) and torch.equal(item["state"][1], s0)  # padded by repetition
    last = ds[n0 - 16 + 8]  # last window of episode 0
    assert torch.equal(last["action"][-1], torch.from_numpy(buf.action[n0 - 1]))
    assert torch.equal(last["action"][-8], torch.from_numpy(buf.action[n0 - 1]))
    batch = ds.get_batch(np.array([0, 5, 9]))
    assert batch["state"].shape == (3, 16, 5)
