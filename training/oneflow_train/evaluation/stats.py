"""Standard errors and the paired difference of two evaluations (docs/pusht_env.md §5).

mean ± SE with SE = s / sqrt(n), s the sample standard deviation (ddof = 1) of the n per-episode values; for the
success rate the values are 0/1. Paired difference over the seeds both evaluations ran: d_s = score_B(s) − score_A(s),
reported as mean(d) ± s_d / sqrt(n) with wins (d > 0), ties (d = 0) and losses (d < 0) from B's side. Pairing on
the seed removes the variance of the initial states, which both policies share (same reset, same per-episode
noise generator `default_rng(seed)`), so the paired SE is far smaller than the two unpaired SEs combined.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """(mean, standard error of the mean); SE is NaN for fewer than 2 values."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return float("nan"), float("nan")
    se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), se


def paired_difference(a: Mapping[str, float], b: Mapping[str, float]) -> dict:
    """B − A over the seeds present in both per-seed score maps (seed -> score, keys as in result JSONs).

    Raises ValueError when the two share no seed."""
    common = sorted(set(a) & set(b), key=int)
    if not common:
        raise ValueError(f"no common seeds: A has {len(a)} seeds ({_span(a)}), B has {len(b)} ({_span(b)})")
    d = np.array([float(b[s]) - float(a[s]) for s in common])
    mean, se = mean_se(d)
    mean_a, se_a = mean_se([a[s] for s in common])
    mean_b, se_b = mean_se([b[s] for s in common])
    return {
        "n_common": len(common), "n_only_a": len(set(a) - set(b)), "n_only_b": len(set(b) - set(a)),
        "mean_diff": mean, "mean_diff_se": se,
        "mean_a": mean_a, "mean_a_se": se_a, "mean_b": mean_b, "mean_b_se": se_b,
        "wins": int((d > 0).sum()), "ties": int((d == 0).sum()), "losses": int((d < 0).sum()),
        "common_seeds": _span(common),
    }


def _span(seeds) -> str:
    s = sorted(int(x) for x in seeds)
    return f"{s[0]}..{s[-1]}" if s else "none"
