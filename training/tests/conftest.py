"""Fixtures shared by the distillation tests (OneFlow, CP, OneDP)."""
from __future__ import annotations

import pytest

from oneflow_train.data.keypoints import keypoint_obs_from_state
from oneflow_train.data.normalizer import Normalizer
from oneflow_train.data.pusht import PushTSequenceDataset, load_replay_buffer


@pytest.fixture(scope="module")
def data():
    """Tiny keypoint data: train windows of episodes 0-1, validation windows of episode 2, a normaliser fitted on the
    train windows. A test module that defines its own `data` fixture overrides this one."""
    buf = load_replay_buffer()
    ds = PushTSequenceDataset(buf, [0, 1], horizon=16, n_obs_steps=2, n_action_steps=8)
    val = PushTSequenceDataset(buf, [2], horizon=16, n_obs_steps=2, n_action_steps=8)
    raw = ds.raw_arrays()
    norm = Normalizer().fit({"obs": keypoint_obs_from_state(raw["state"]), "action": raw["action"]})
    return ds, val, norm
