"""The `oneflow.policy` metadata (ONNX policy contract, schema version 1; docs/contract.md) built in one place.

Both the real exporter (`oneflow_train.export`) and the test-fixture script use `policy_metadata`, so every ONNX
file that leaves Python carries the same JSON shape the TypeScript node validates: both sides check it against the
one schema, `policy_metadata.schema.json` (oneflow_train.policy_contract), so export refuses what the node refuses.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from .policy_contract import METADATA_KEY, policy_schema, validate_metadata

SCHEMA_VERSION = policy_schema()["properties"]["schema_version"]["const"]
METHODS = tuple(policy_schema()["properties"]["method"]["enum"])
OPSET = 17

# Push-T keypoint policies: agent position from /joint_states, block pose from /object_pose.
PUSHT_STATE_NAMES = ["agent_x", "agent_y", "block_x", "block_y", "block_yaw"]
PUSHT_STATE_SOURCES = ["joint_states", "joint_states", "object_pose", "object_pose", "object_pose"]
PUSHT_ACTION_NAMES = ["agent_x", "agent_y"]
PUSHT_ACTION_LOW = [0.0, 0.0]
PUSHT_ACTION_HIGH = [512.0, 512.0]


def code_commit() -> str:
    """The repository HEAD (with `-dirty` when the tree has changes), or 'unknown' outside git."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def policy_metadata(
    *,
    name: str,
    method: str,
    sampler: str | None,
    network_calls_per_inference: int,
    noise_shape: tuple[int, ...] | list[int],
    n_obs_steps: int = 2,
    horizon: int = 16,
    n_action_steps: int = 8,
    image_hw: tuple[int, int] | None = None,
    obs_interval_s: float = 0.1,
    control_rate_hz: float = 10.0,
    state_names: list[str] | None = None,
    state_sources: list[str] | None = None,
    action_names: list[str] | None = None,
    action_low: list[float] | None = None,
    action_high: list[float] | None = None,
    provenance: dict[str, Any] | None = None,
    eval_result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The metadata dict for one exported policy (validated before it is returned; ContractError otherwise)."""
    if image_hw is not None and state_names is None:
        state_names, state_sources = PUSHT_STATE_NAMES[:2], PUSHT_STATE_SOURCES[:2]  # image policies: agent only
    meta = {
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "method": method,
        "sampler": sampler,
        "network_calls_per_inference": int(network_calls_per_inference),
        "observation": {
            "n_obs_steps": int(n_obs_steps),
            "obs_interval_s": float(obs_interval_s),
            "state": {"names": list(state_names or PUSHT_STATE_NAMES), "sources": list(state_sources or PUSHT_STATE_SOURCES)},
            "image": None if image_hw is None else {"height": int(image_hw[0]), "width": int(image_hw[1]), "source": "camera"},
        },
        "action": {
            "names": list(action_names or PUSHT_ACTION_NAMES),
            "horizon": int(horizon),
            "n_action_steps": int(n_action_steps),
            "first_step_offset": -(int(n_obs_steps) - 1),
            "control_rate_hz": float(control_rate_hz),
            "low": [float(x) for x in (action_low or PUSHT_ACTION_LOW)],
            "high": [float(x) for x in (action_high or PUSHT_ACTION_HIGH)],
        },
        "noise": {"shape": [int(d) for d in noise_shape]},
        "provenance": {"code_commit": code_commit(), **(provenance or {})},
        "eval": eval_result,
    }
    validate_metadata(meta)
    return meta


def attach_metadata(model: Any, meta: dict[str, Any]) -> None:
    """Writes the JSON into model.metadata_props["oneflow.policy"] (replacing an older entry)."""
    validate_metadata(meta)
    keep = [p for p in model.metadata_props if p.key != METADATA_KEY]
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(meta, sort_keys=False, allow_nan=False)
