"""The validation learning curve of a distillation run: every saved snapshot, one step, on the validation seeds.

Each snapshot is rolled out with the `oneflow-train eval` code (`evaluation.runner.evaluate`, the DP Push-T
protocol, 300 steps) on `val_episodes` seeds from `val_seed_start` (by default the named `val` set of
`evaluation/seed_sets.py`, 200000–200199; never a seed of the `test` or `wide` sets, nor one below the `val` set).
The run records which snapshot these seeds prefer (`best_snapshot`); nothing here looks at a test seed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from .evaluation.seed_sets import SEED_SETS

VALIDATION_SEED_START = SEED_SETS["val"].start


def validation_seeds(start: int, count: int) -> list[int]:
    """`count` seeds from `start`; refused if any lies below the `val` set or in a reported (`test`, `wide`) set."""
    seeds = list(range(start, start + count))
    reported = set(SEED_SETS["test"]) | set(SEED_SETS["wide"])
    if start < VALIDATION_SEED_START or reported.intersection(seeds):
        raise ValueError(f"validation seeds must start at >= {VALIDATION_SEED_START} (the `val` set) and avoid the "
                         f"reported test/wide seeds, got {start}:{start + count}")
    return seeds


def evaluate_snapshot(snapshot: Path, seeds: Sequence[int], workers: int = 1) -> dict[str, Any]:
    """One-step rollouts of a student checkpoint on `seeds`: mean score and success rate with standard errors."""
    from .evaluation.protocol import EvalProtocol
    from .evaluation.results import summarize
    from .evaluation.runner import evaluate

    episodes = evaluate(str(snapshot), seeds, EvalProtocol(), workers=workers, policy_args={"n_steps": 1},
                        progress=False)
    agg = summarize(episodes)
    return {"seeds": f"{seeds[0]}:{seeds[-1] + 1}", "n_episodes": agg["n_episodes"], "mean_score": agg["mean_score"],
            "mean_score_se": agg["mean_score_se"], "success_rate": agg["success_rate"]}


def best_snapshot(epochs: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The snapshot with the highest validation mean score (ties: the later epoch), or None if none was rolled out."""
    rolled = [e for e in epochs if "val_rollout" in e]
    if not rolled:
        return None
    best = max(rolled, key=lambda e: (e["val_rollout"]["mean_score"], e["epoch"]))
    return {"epoch": best["epoch"], "snapshot": best["snapshot"], **best["val_rollout"]}
