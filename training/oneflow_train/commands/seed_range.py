"""Parse seed / episode ranges, named seed sets included (`evaluation/seed_sets.py` defines them)."""
from __future__ import annotations

from ..evaluation.seed_sets import SEED_SETS, set_text


def parse_range(text: str) -> list[int]:
    """Seeds from a set name (`val`, `test`, `wide`), "100000:100050" (half-open), "0-5" (inclusive), "3", or
    comma-separated parts of any of these ("0,4,9", "test,200000:200010"). Order is kept; duplicates are an error."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if part in SEED_SETS:
            out.extend(SEED_SETS[part])
        elif part:
            try:
                if ":" in part:
                    a, b = part.split(":")
                    out.extend(range(int(a), int(b)))
                elif "-" in part[1:]:
                    a, b = part.rsplit("-", 1)
                    out.extend(range(int(a), int(b) + 1))
                else:
                    out.append(int(part))
            except ValueError:
                raise ValueError(f"seed range part {part!r} in {text!r} is neither an integer, a:b, a-b nor one of "
                                 f"the named sets {sorted(SEED_SETS)}") from None
    if not out:
        raise ValueError(f"empty range {text!r}; use a named set {sorted(SEED_SETS)} or e.g. 100000:100050")
    if len(set(out)) != len(out):
        dup = sorted({s for s in out if out.count(s) > 1})
        raise ValueError(f"seed range {text!r} repeats seeds {dup[:5]}{'...' if len(dup) > 5 else ''}")
    return out


def describe(text: str) -> str:
    """The range text with named sets expanded, e.g. "wide" -> "wide (100000:100500)", for result JSONs and logs."""
    return ", ".join(f"{p.strip()} ({set_text(p.strip())})" if p.strip() in SEED_SETS else p.strip()
                     for p in text.split(",") if p.strip())
