"""`--set KEY=VALUE` overrides on a JSON config dict (dotted keys reach into nested objects; values parse as JSON,
else stay strings). Shared by `distill` and the baselines' distill branches."""
from __future__ import annotations

import json


def apply_overrides(d: dict, overrides: list[str]) -> dict:
    d = json.loads(json.dumps(d))
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        key, raw = item.split("=", 1)
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        target = d
        parts = key.split(".")
        for p in parts[:-1]:
            target = target.setdefault(p, {})
        target[parts[-1]] = value
    return d
