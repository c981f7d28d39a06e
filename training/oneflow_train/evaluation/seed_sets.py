"""The evaluation protocol's named seed sets, defined once (docs/pusht_env.md §5).

| name   | seeds           | role |
|--------|-----------------|------|
| `val`  | 200000..200199  | every choice: snapshots, hyper-parameters, ablation winners, early stopping |
| `test` | 100000..100049  | DP's 50 test seeds: reported, never selected on |
| `wide` | 100000..100499  | the wide test: 500 episodes reported beside `test` for every headline row |

`wide` contains `test` (its first 50 seeds). `val` is disjoint from both and from DP's train seeds 0..205.
"""
from __future__ import annotations

from collections.abc import Iterable

SEED_SETS: dict[str, range] = {
    "val": range(200000, 200200),
    "test": range(100000, 100050),
    "wide": range(100000, 100500),
}


def set_text(name: str) -> str:
    """The set as a half-open range, e.g. "100000:100050"."""
    r = SEED_SETS[name]
    return f"{r.start}:{r.stop}"


def contained_sets(seeds: Iterable[int]) -> list[str]:
    """Names of the sets whose every seed is in `seeds`, smallest first (a wide evaluation contains `test`)."""
    have = {int(s) for s in seeds}
    return sorted((n for n, r in SEED_SETS.items() if set(r) <= have), key=lambda n: len(SEED_SETS[n]))
