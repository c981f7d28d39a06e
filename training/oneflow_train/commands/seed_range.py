"""Parse seed / episode ranges: "100000:100050" (half-open), "0-5" (inclusive), "3", or "0,4,9"."""
from __future__ import annotations


def parse_range(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if ":" in part:
            a, b = part.split(":")
            out.extend(range(int(a), int(b)))
        elif "-" in part[1:]:
            a, b = part.rsplit("-", 1)
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    if not out:
        raise ValueError(f"empty range {text!r}; use e.g. 100000:100050")
    return out
