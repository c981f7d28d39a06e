"""One check for every config dataclass read from JSON: unknown keys are refused, naming them and the known ones."""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Mapping

IGNORED_KEYS = frozenset({"_comment"})  # free-text notes allowed in checked-in config files


def known_fields(cls: type, d: Mapping[str, Any]) -> dict[str, Any]:
    """`d` without IGNORED_KEYS; raises ValueError if it has a key that is not a field of dataclass `cls`."""
    known = {f.name for f in fields(cls)}
    unknown = set(d) - known - IGNORED_KEYS
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields {sorted(unknown)}; known: {sorted(known)}")
    return {k: v for k, v in d.items() if k in known}
