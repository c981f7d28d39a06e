"""Assemble the evaluation JSON: test-seed aggregate (mean and success rate, each with its standard error) at the top
level, the same for every named seed set the test seeds contain under "sets" (a `wide` run also reports `test`),
train seeds under "train"."""
from __future__ import annotations

from collections.abc import Sequence

from .protocol import EpisodeResult, EvalProtocol, aggregate
from .seed_sets import SEED_SETS, contained_sets, set_text


def summarize(episodes: list[dict]) -> dict:
    """Per-episode dicts (as `runner.evaluate` returns) -> mean_score, success_rate, n_episodes, per_seed."""
    return aggregate([EpisodeResult(**e) for e in episodes])


def set_summaries(episodes: Sequence[dict]) -> dict:
    """{set name: {seeds, mean_score, mean_score_se, success_rate, success_rate_se, n_episodes}} for every named
    seed set (`seed_sets.py`) all of whose seeds are among the episodes'."""
    by_seed = {int(e["seed"]): e for e in episodes}
    out = {}
    for name in contained_sets(by_seed):
        agg = aggregate([EpisodeResult(**by_seed[s]) for s in SEED_SETS[name]])
        out[name] = {"seeds": set_text(name), **{k: v for k, v in agg.items() if k != "per_seed"}}
    return out


def set_lines(result: dict) -> list[str]:
    """One printable line per named set in result["sets"] that is smaller than the whole evaluation."""
    return [f"  {name} ({v['seeds']}): mean_score {v['mean_score']:.4f} ± {v['mean_score_se']:.4f}  success_rate "
            f"{v['success_rate']:.3f} ± {v['success_rate_se']:.3f}  ({v['n_episodes']} episodes)"
            for name, v in result.get("sets", {}).items() if v["n_episodes"] < result["n_episodes"]]


def build_result(*, policy, policy_args, test_seeds_text, test_seeds: Sequence[int], train_seeds_text,
                 train_seeds: Sequence[int], episodes: list[dict], protocol: EvalProtocol, workers: int,
                 wall_s: float, command: str | None, python: str, run_extra: dict | None = None) -> dict:
    by_seed = {e["seed"]: e for e in episodes}

    def group(seeds):
        return aggregate([EpisodeResult(**{k: v for k, v in by_seed[s].items()}) for s in seeds])

    test = group(test_seeds)
    result = {
        "policy": policy,
        "policy_args": policy_args,
        "mean_score": test["mean_score"],
        "mean_score_se": test["mean_score_se"],
        "success_rate": test["success_rate"],
        "success_rate_se": test["success_rate_se"],
        "n_episodes": test["n_episodes"],
        "seeds": test_seeds_text,
        "per_seed": test["per_seed"],
    }
    sets = set_summaries([by_seed[s] for s in test_seeds])
    if sets:
        result["sets"] = sets
    if train_seeds:
        result["train"] = {**group(train_seeds), "seeds": train_seeds_text}
    result["protocol"] = protocol.to_dict()
    result["episodes"] = [{k: v for k, v in by_seed[s].items() if k != "rewards"}
                          for s in list(test_seeds) + [s for s in train_seeds if s not in set(test_seeds)]]
    result["run"] = {"workers": workers, **(run_extra or {}), "wall_s": round(wall_s, 2), "command": command,
                     "python": python}
    return result
