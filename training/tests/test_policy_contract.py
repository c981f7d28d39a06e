"""The Python side of the OneFlow policy contract refuses what the node refuses.

The shared table test/fixtures/contract/metadata_cases.json runs through `oneflow_train.policy_contract` here and
through the node's parser in test/onnx/metadataCases.test.ts: both must name exactly the same fields. The exporter
(`export_contract.policy_metadata` / `attach_metadata`) uses the same check.
"""
import json
from pathlib import Path

import onnx
import pytest

from oneflow_train.export_contract import attach_metadata, policy_metadata
from oneflow_train.policy_contract import ContractError, metadata_problems, parse_metadata

ROOT = Path(__file__).resolve().parents[2]
TABLE = json.loads((ROOT / "test" / "fixtures" / "contract" / "metadata_cases.json").read_text())
PLACEHOLDER = "__value__"


def case_text(case: dict) -> str:
    """The valid metadata with `path` set to the raw JSON text `value` (deleted when absent), as JSON text."""
    root = json.loads(json.dumps(TABLE["valid"]))
    *keys, last = [int(k) if k.isdigit() else k for k in case["path"].split(".")]
    parent = root
    for k in keys:
        parent = parent[k]
    if "value" not in case:
        del parent[last]
    else:
        parent[last] = PLACEHOLDER
    return json.dumps(root).replace(f'"{PLACEHOLDER}"', case.get("value", ""))


def test_the_valid_example_passes():
    assert parse_metadata(json.dumps(TABLE["valid"]))["name"] == "p"


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_each_bad_case_is_refused_with_the_nodes_fields(case):
    with pytest.raises(ContractError) as info:
        parse_metadata(case_text(case), "case.onnx")
    mismatches = info.value.mismatches
    assert [m.field for m in mismatches] == case["fields"], str(info.value)
    assert case["expect"] in str(mismatches[0].expected), str(info.value)
    assert str(info.value).endswith("[model=case.onnx]")


def test_1e309_is_named_as_infinity():
    case = next(c for c in TABLE["cases"] if c.get("value") == "1e309")
    with pytest.raises(ContractError, match=r"action\.high\[0\]: expected 'a finite number .*1e309.*', found Infinity"):
        parse_metadata(case_text(case))


def test_nan_from_python_is_refused_before_it_reaches_the_file():
    # json.dumps would write NaN, which is not JSON: the node could not even parse the metadata.
    with pytest.raises(ContractError, match=r"metadata\.action\.low\[0\]: expected 'a finite number"):
        policy_metadata(name="p", method="oneflow", sampler="onestep", network_calls_per_inference=1,
                        noise_shape=(1, 1, 16, 2), action_low=[float("nan"), 0.0])


def test_export_refuses_duplicate_state_names_and_extreme_rates():
    common = dict(name="p", method="oneflow", sampler="onestep", network_calls_per_inference=1, noise_shape=(1, 1, 16, 2))
    with pytest.raises(ContractError, match=r"metadata\.observation\.state\.names: expected 'unique entries \('agent_x' repeated\)'"):
        policy_metadata(**common, state_names=["agent_x", "agent_x"], state_sources=["joint_states", "joint_states"])
    with pytest.raises(ContractError, match=r"metadata\.action\.control_rate_hz: expected '<= 1000', found 1000000\.0"):
        policy_metadata(**common, control_rate_hz=1e6)
    meta = policy_metadata(**common)
    meta["action"]["first_step_offset"] = -12
    with pytest.raises(ContractError, match=r"first_step_offset: expected '-8\.\.8"):
        attach_metadata(onnx.ModelProto(), meta)


def test_every_shipped_model_and_fixture_metadata_passes():
    files = sorted((ROOT / "models").glob("*.onnx")) + sorted((ROOT / "test" / "fixtures" / "models").glob("*.onnx"))
    checked = 0
    for path in files:
        model = onnx.load(str(path), load_external_data=False)
        text = {p.key: p.value for p in model.metadata_props}.get("oneflow.policy")
        if text is None:
            continue
        assert metadata_problems(json.loads(text)) == [], path
        checked += 1
    assert checked >= 6
