"""The OneFlow policy contract checked in Python exactly as the node checks it (docs/contract.md).

`policy_metadata.schema.json` (beside this file) is the one schema of the `oneflow.policy` metadata; the node reads
the same file with ajv (src/onnx/policySchema.ts). What a JSON Schema cannot state (rules across fields, finite
numbers) is checked here in `_semantic_problems`, mirroring `semanticProblems` in src/onnx/policyMetadata.ts.
`signature_problems` is the node's `checkSignature` (src/onnx/contract.ts): the graph against its own metadata.
Every problem is a `Mismatch(field, expected, found)`; `ContractError` lists them all and names the first.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("policy_metadata.schema.json")
METADATA_KEY = "oneflow.policy"


@dataclass(frozen=True)
class Mismatch:
    """One way in which a model does not fit the contract: dotted field, what was expected, what was found."""

    field: str
    expected: Any
    found: Any

    def __str__(self) -> str:
        return f"{self.field}: expected {_show(self.expected)}, found {_show(self.found)}"


class ContractError(ValueError):
    """The model (or the metadata about to be written) does not fit the OneFlow policy contract."""

    def __init__(self, mismatches: list[Mismatch], context: str | None = None):
        self.mismatches = list(mismatches)
        first = self.mismatches[0] if self.mismatches else Mismatch("?", "?", "?")
        more = self.mismatches[1:]
        rest = f" (and {len(more)} more: {'; '.join(map(str, more))})" if more else ""
        where = "" if context is None else f" [model={context}]"
        super().__init__(f"model does not fit the OneFlow policy contract: {first}{rest}{where}")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float) and not math.isfinite(value):
        return {math.inf: "Infinity", -math.inf: "-Infinity"}.get(value, "NaN")
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)


@cache
def policy_schema() -> dict[str, Any]:
    """The `oneflow.policy` JSON Schema (read once)."""
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator():
    from jsonschema import Draft7Validator

    return Draft7Validator(policy_schema())


def _field(path) -> str:
    out = "metadata"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _duplicates(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for i, x in enumerate(items):
        if x in items[:i] and x not in out:
            out.append(x)
    return out


def _schema_mismatch(error) -> Mismatch:
    """A jsonschema error in the node's words (the same texts as schemaMismatch in src/onnx/policyMetadata.ts)."""
    kind, limit, found = error.validator, error.validator_value, error.instance
    field = _field(error.absolute_path)
    if kind == "required":
        missing = next(k for k in limit if k not in found)
        return Mismatch(f"{field}.{missing}", "a value", "missing")
    expected = {
        "type": lambda: " or ".join(limit) if isinstance(limit, list) else limit,
        "const": lambda: limit,
        "enum": lambda: "one of " + "|".join(map(str, limit)),
        "minimum": lambda: f">= {limit}",
        "maximum": lambda: f"<= {limit}",
        "minItems": lambda: f"at least {limit} entries",
        "maxItems": lambda: f"at most {limit} entries",
        "minLength": lambda: "a non-empty string",
        "uniqueItems": lambda: f"unique entries ({', '.join(map(_show, _duplicates(found)))} repeated)",
    }.get(kind, lambda: error.message)()
    return Mismatch(field, expected, found)


def _non_finite(value: Any, path: tuple = ()) -> list[Mismatch]:
    if isinstance(value, float) and not math.isfinite(value):
        return [Mismatch(_field(path), "a finite number (a JSON number beyond ±1.8e308, e.g. 1e309, reads as infinity)",
                         value)]
    if isinstance(value, dict):
        return [m for k, v in value.items() for m in _non_finite(v, (*path, k))]
    if isinstance(value, list):
        return [m for i, v in enumerate(value) for m in _non_finite(v, (*path, i))]
    return []


def _semantic_problems(meta: dict[str, Any]) -> list[Mismatch]:
    """Rules across fields (run on schema-valid metadata only)."""
    out: list[Mismatch] = []

    def need(ok: bool, field: str, expected: Any, found: Any) -> None:
        if not ok:
            out.append(Mismatch(f"metadata.{field}", expected, found))

    state, act = meta["observation"]["state"], meta["action"]
    n_names, da, ha, ta = len(state["names"]), len(act["names"]), act["horizon"], act["n_action_steps"]
    need(len(state["sources"]) == n_names, "observation.state.sources", f"{n_names} entries (one per state name)",
         len(state["sources"]))
    need(ta <= ha, "action.n_action_steps", f"<= action.horizon ({ha})", ta)
    lo_off, hi_off = ta - ha, ta
    offset_ok = ta > ha or lo_off <= act["first_step_offset"] <= hi_off  # ta > ha: already named above
    need(offset_ok, "action.first_step_offset",
         f"{lo_off}..{hi_off} (n_action_steps - horizon .. n_action_steps)", act["first_step_offset"])
    for key in ("low", "high"):
        need(len(act[key]) == da, f"action.{key}", f"{da} numbers (one per action name)", act[key])
    for i, (lo, hi) in enumerate(zip(act["low"], act["high"])):
        need(lo < hi, f"action.low[{i}]", f"< action.high[{i}] ({hi})", lo)
    batch, _, noise_ha, noise_da = meta["noise"]["shape"]
    need(batch == 1, "noise.shape[0]", 1, batch)
    need(noise_ha == ha, "noise.shape[2]", f"action.horizon ({ha})", noise_ha)
    need(noise_da == da, "noise.shape[3]", f"len(action.names) ({da})", noise_da)
    return out


def metadata_problems(meta: Any) -> list[Mismatch]:
    """Every way in which `meta` (the parsed JSON) breaks the schema or the cross-field rules."""
    if not isinstance(meta, dict):
        return [Mismatch(f'metadata_props["{METADATA_KEY}"]', "JSON object", meta)]
    version = meta.get("schema_version")
    if version != 1:
        return [Mismatch("metadata.schema_version", "1 (re-export with `oneflow-train export`)",
                         "missing" if version is None else version)]
    bad_numbers = _non_finite(meta)
    skip = {m.field for m in bad_numbers}
    errors = sorted(_validator().iter_errors(meta), key=lambda e: [str(p) for p in e.absolute_path])
    out = bad_numbers + [m for m in map(_schema_mismatch, errors) if m.field not in skip]
    return out or _semantic_problems(meta)


def validate_metadata(meta: Any, context: str | None = None) -> dict[str, Any]:
    """Returns `meta` when it fits the contract; raises ContractError listing every problem otherwise."""
    problems = metadata_problems(meta)
    if problems:
        raise ContractError(problems, context)
    return meta


def parse_metadata(text: str, context: str | None = None) -> dict[str, Any]:
    """The `oneflow.policy` JSON text, parsed and validated."""
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as err:
        raise ContractError([Mismatch(f'metadata_props["{METADATA_KEY}"]', "JSON object", f"invalid JSON ({err})")],
                            context) from None
    return validate_metadata(meta, context)


@dataclass(frozen=True)
class Tensor:
    """A graph input or output as onnxruntime reports it: name, element type ('float32', 'uint8'), shape."""

    name: str
    elem_type: str
    shape: tuple[Any, ...]


def _check_tensor(out: list[Mismatch], kind: str, found: Tensor | None, name: str, elem_type: str,
                  shape: list[int]) -> None:
    field = f"{kind}.{name}"
    if found is None:
        out.append(Mismatch(field, f"{elem_type} {json.dumps(shape)}", "missing"))
        return
    if found.elem_type != elem_type:
        out.append(Mismatch(f"{field}.type", elem_type, found.elem_type))
    if list(found.shape) != list(shape):
        out.append(Mismatch(f"{field}.shape", shape, list(found.shape)))


def signature_problems(inputs: list[Tensor], outputs: list[Tensor], meta: dict[str, Any]) -> list[Mismatch]:
    """The graph's inputs/outputs against its own (valid) metadata, as the node checks them."""
    obs, act = meta["observation"], meta["action"]
    to, img = obs["n_obs_steps"], obs["image"]
    expected_inputs = ["state", "noise"] if img is None else ["state", "image", "noise"]
    out: list[Mismatch] = []
    names = [t.name for t in inputs]
    if sorted(names) != sorted(expected_inputs):
        out.append(Mismatch("inputs", expected_inputs, names))
    by_name = {t.name: t for t in inputs}
    _check_tensor(out, "input", by_name.get("state"), "state", "float32", [1, to, len(obs["state"]["names"])])
    if img is not None:
        _check_tensor(out, "input", by_name.get("image"), "image", "uint8", [1, to, img["height"], img["width"], 3])
    _check_tensor(out, "input", by_name.get("noise"), "noise", "float32", list(meta["noise"]["shape"]))
    action = next((t for t in outputs if t.name == "action"), None)
    _check_tensor(out, "output", action, "action", "float32", [1, act["horizon"], len(act["names"])])
    return out
