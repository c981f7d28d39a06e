import json

import numpy as np
import torch

from oneflow_train.data.normalizer import Normalizer


def _data():
    rng = np.random.default_rng(0)
    return {"action": rng.uniform([12, 25], [511, 511], (500, 2)),
            "const": np.stack([rng.uniform(0, 1, 100), np.full(100, 3.0)], -1),
            "kp": rng.normal(200, 50, (300, 9, 2))}


def test_range_and_round_trip_numpy_torch():
    data = _data()
    norm = Normalizer().fit(data)
    y = norm.normalize("action", data["action"])
    assert np.isclose(y.min(), -1) and np.isclose(y.max(), 1)
    np.testing.assert_allclose(norm.unnormalize("action", y), data["action"], atol=1e-9)
    t = torch.tensor(data["kp"], dtype=torch.float32)
    yt = norm.normalize("kp", t)
    assert yt.dtype == torch.float32 and yt.shape == (300, 9, 2)
    assert torch.allclose(norm.unnormalize("kp", yt), t, atol=1e-3)


def test_zero_range_is_guarded():
    norm = Normalizer().fit(_data())
    y = norm.normalize("const", np.array([[0.5, 3.0]]))
    assert np.isfinite(y).all() and y[0, 1] == 0.0
    assert norm.unnormalize("const", y)[0, 1] == 3.0


def test_json_round_trip():
    data = _data()
    norm = Normalizer().fit(data)
    again = Normalizer.from_dict(json.loads(json.dumps(norm.to_dict())))
    np.testing.assert_array_equal(again.normalize("action", data["action"]), norm.normalize("action", data["action"]))


def test_images_unit_range():
    img = np.array([[0, 255, 128]], np.uint8)
    np.testing.assert_allclose(Normalizer.normalize_image(img), [[0, 1, 128 / 255]])
    assert Normalizer.normalize_image(torch.from_numpy(img)).max() == 1.0
