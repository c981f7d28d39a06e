"""Merge result JSONs of one policy evaluated on disjoint seed chunks into one result, aggregates recomputed.

Inputs are `oneflow-train eval` results (`results.build_result`), older ones without standard errors included. The
chunks must agree on policy, policy arguments and protocol; a seed evaluated in two chunks is an error. The "train"
group is kept when every chunk that has one carries the same one; "sets" is recomputed over the merged seeds (100-seed
chunks of the wide range merge into a result that reports `wide` and `test`).
"""
from __future__ import annotations

from collections.abc import Sequence

from .protocol import EpisodeResult, aggregate
from .results import set_summaries

_SAME = ("policy", "policy_args", "protocol")


def scored_episodes(result: dict) -> list[dict]:
    """The result's per-episode dicts for its test seeds (its `episodes` also lists train-only seeds)."""
    test = set(result["per_seed"])
    return [e for e in result["episodes"] if str(e["seed"]) in test]


def merge_results(results: Sequence[dict], sources: Sequence[str]) -> dict:
    """One result from chunks `results` (read from `sources`, named in errors and in `run.merged_from`)."""
    if not results:
        raise ValueError("nothing to merge: no result files given")
    first = results[0]
    for res, src in zip(results[1:], sources[1:]):
        for key in _SAME:
            if res.get(key) != first.get(key):
                raise ValueError(f"{src}: {key} {res.get(key)!r} differs from {sources[0]}'s {first.get(key)!r}; "
                                 f"only chunks of one evaluation can be merged")
    owner: dict[int, str] = {}
    episodes: list[dict] = []
    for res, src in zip(results, sources):
        for e in scored_episodes(res):
            seed = int(e["seed"])
            if seed in owner:
                raise ValueError(f"seed {seed} is in both {owner[seed]} and {src}; chunks must be disjoint")
            owner[seed] = src
            episodes.append(e)
    episodes.sort(key=lambda e: int(e["seed"]))
    agg = aggregate([EpisodeResult(**e) for e in episodes])
    merged = {"policy": first["policy"], "policy_args": first.get("policy_args", {}),
              **{k: agg[k] for k in ("mean_score", "mean_score_se", "success_rate", "success_rate_se", "n_episodes")},
              "seeds": ", ".join(r["seeds"] for r in results), "per_seed": agg["per_seed"]}
    sets = set_summaries(episodes)
    if sets:
        merged["sets"] = sets
    trains = [r["train"] for r in results if "train" in r]
    if trains and all(t == trains[0] for t in trains):
        merged["train"] = trains[0]
    merged["protocol"] = first["protocol"]
    merged["episodes"] = episodes
    merged["run"] = {"merged_from": [{"file": src, "seeds": r["seeds"], "n_episodes": r["n_episodes"],
                                      "wall_s": r.get("run", {}).get("wall_s"),
                                      "command": r.get("run", {}).get("command")}
                                     for r, src in zip(results, sources)],
                     "wall_s": sum(r.get("run", {}).get("wall_s") or 0.0 for r in results)}
    return merged
