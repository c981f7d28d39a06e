"""The device machine's limits (/work/.library/device/README.md, "Limits"), as one frozen config.

Every gpu/ script checks against these numbers; tests pass smaller ones. A limit error names the offending value and
the limit, in bytes and MiB.
"""
from __future__ import annotations

from dataclasses import dataclass

MIB = 1 << 20


@dataclass(frozen=True)
class DeviceLimits:
    travel_bytes: int = 64 * MIB  # the working tree that travels: tracked + untracked-not-ignored + carried paths
    return_file_bytes: int = 16 * MIB  # one file back from $OUT
    return_files: int = 8  # files back from $OUT per call
    return_total_bytes: int = 64 * MIB  # all files back from $OUT per call, together
    part_bytes: int = 15 * MIB  # our part size: 4 parts + manifest + log stay under return_total_bytes
    manifest_reserve_bytes: int = 64 * 1024  # room kept in each batch for MANIFEST.json
    split_margin_bytes: int = 1 * MIB  # a state split over two calls leaves this free in each (the tree may grow)
    call_s: float = 600.0  # one command's run (timeout_s at most)
    warm_after_call_s: float = 30.0  # a follow-up call within this finds the same machine (and .gpu/outbox on it)

    def __post_init__(self) -> None:
        if not 0 < self.part_bytes <= self.return_file_bytes:
            raise ValueError(f"part_bytes {self.part_bytes} must be in (0, return_file_bytes {self.return_file_bytes}]")


LIMITS = DeviceLimits()  # the machine's; tests pass smaller ones


class LimitError(ValueError):
    """Something would exceed a device limit: carries what, the value and the limit."""

    def __init__(self, what: str, value: float, limit: float, detail: str = "", unit: str = "B") -> None:
        self.what, self.value, self.limit = what, value, limit
        fmt = fmt_bytes if unit == "B" else (lambda v: f"{v:g} {unit}")
        super().__init__(f"{what}: {fmt(value)} exceeds the limit {fmt(limit)}" + (f"; {detail}" if detail else ""))


def fmt_bytes(n: float) -> str:
    return f"{n / MIB:.2f} MiB ({int(n)} B)"
