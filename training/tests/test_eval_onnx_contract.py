"""`oneflow-train eval`'s ONNX adapter applies the node's contract check (issue 19 item 2).

Before: a graph wanting state [1,2,4] under metadata naming 5 state values was fed the first 4 columns of the
Push-T state and scored. Now it is refused like the node refuses it (test/onnx/contract.test.ts, bad_state_shape).
"""
import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from oneflow_train.evaluation.onnx_policy import OnnxPolicy
from oneflow_train.policy_contract import ContractError

FIXTURES = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "models"


def test_a_graph_narrower_than_its_metadata_is_refused_not_truncated():
    with pytest.raises(ContractError, match=r"input\.state\.shape: expected \[1, 2, 5\], found \[1, 2, 4\] "
                                            r"\[model=.*bad_state_shape\.onnx\]"):
        OnnxPolicy(FIXTURES / "bad_state_shape.onnx")


def test_missing_metadata_is_named_as_the_node_names_it():
    with pytest.raises(ContractError, match=r'metadata_props\["oneflow\.policy"\]: expected \'schema_version 1 policy JSON\''):
        OnnxPolicy(FIXTURES / "no_metadata.onnx")


def _with_metadata(tmp_path, edit) -> Path:
    model = onnx.load(str(FIXTURES / "tiny_onestep.onnx"))
    entry = next(p for p in model.metadata_props if p.key == "oneflow.policy")
    meta = json.loads(entry.value)
    edit(meta)
    entry.value = json.dumps(meta)
    out = tmp_path / "edited.onnx"
    onnx.save(model, str(out))
    return out


def test_metadata_the_node_refuses_is_refused_here(tmp_path):
    def duplicate(meta):
        meta["observation"]["state"]["names"][1] = "agent_x"
    with pytest.raises(ContractError, match=r"observation\.state\.names: expected 'unique entries \('agent_x' repeated\)'"):
        OnnxPolicy(_with_metadata(tmp_path, duplicate))


def test_state_names_outside_the_pusht_state_are_refused(tmp_path):
    def renamed(meta):
        meta["observation"]["state"]["names"][4] = "block_z"
    with pytest.raises(ContractError, match=r"observation\.state\.names: expected 'names from the Push-T state \(agent_x, agent_y, block_x, block_y, block_yaw\)'"):
        OnnxPolicy(_with_metadata(tmp_path, renamed))


def test_state_columns_are_picked_by_name(tmp_path):
    def reordered(meta):
        names = meta["observation"]["state"]["names"]
        names[2], names[3] = names[3], names[2]  # the graph now reads block_y where it read block_x
    plain, swapped = OnnxPolicy(FIXTURES / "tiny_onestep.onnx"), OnnxPolicy(_with_metadata(tmp_path, reordered))
    assert swapped.state_index == [0, 1, 3, 2, 4]
    rng = np.random.default_rng(0)
    state = rng.uniform(50, 450, (1, 2, 5)).astype(np.float32)
    noise = rng.standard_normal((1, *plain.noise_shape)).astype(np.float32)
    np.testing.assert_allclose(swapped.predict(state, None, noise), plain.predict(state[..., [0, 1, 3, 2, 4]], None, noise))
