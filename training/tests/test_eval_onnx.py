"""ONNX adapter on the committed contract fixtures (test/fixtures/models, made by the export work)."""
from pathlib import Path

import numpy as np
import pytest

from oneflow_train.evaluation.onnx_policy import OnnxPolicy
from oneflow_train.evaluation.protocol import EvalProtocol, run_episodes

FIXTURES = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "models"


def _fixture(name):
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def test_state_policy_contract_and_batching():
    p = OnnxPolicy(_fixture("tiny_onestep.onnx"))
    assert (p.n_obs_steps, p.horizon, p.n_action_steps) == (2, 16, 8) and not p.uses_image
    rng = np.random.default_rng(0)
    state = rng.uniform(50, 450, (3, 2, 5)).astype(np.float32)
    noise = rng.standard_normal((3, *p.noise_shape)).astype(np.float32)
    out = p.predict(state, None, noise)
    assert out.shape == (3, 16, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out[1:2], p.predict(state[1:2], None, noise[1:2]), atol=1e-6)


def test_image_policy_runs_in_protocol():
    p = OnnxPolicy(_fixture("tiny_image_onestep.onnx"))
    assert p.uses_image and p.state_dim == 2
    (res,) = run_episodes(p, [100000], EvalProtocol(max_steps=8))
    assert res.n_steps == 8 and res.n_policy_calls == 1


def test_missing_metadata_is_reported():
    with pytest.raises(ValueError, match=r'metadata_props\["oneflow.policy"\]: expected .* \[model=.*no_metadata\.onnx\]'):
        OnnxPolicy(_fixture("no_metadata.onnx"))
