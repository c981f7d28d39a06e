"""Assemble the evaluation JSON: test-seed aggregate (mean and success rate, each with its standard error) at the top
level, train seeds under "train"."""
from __future__ import annotations

from typing import Sequence

from .protocol import EpisodeResult, EvalProtocol, aggregate


def summarize(episodes: list[dict]) -> dict:
    """Per-episode dicts (as `runner.evaluate` returns) -> mean_score, success_rate, n_episodes, per_seed."""
    return aggregate([EpisodeResult(**e) for e in episodes])


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
    if train_seeds:
        result["train"] = {**group(train_seeds), "seeds": train_seeds_text}
    result["protocol"] = protocol.to_dict()
    result["episodes"] = [{k: v for k, v in by_seed[s].items() if k != "rewards"}
                          for s in list(test_seeds) + [s for s in train_seeds if s not in set(test_seeds)]]
    result["run"] = {"workers": workers, **(run_extra or {}), "wall_s": round(wall_s, 2), "command": command,
                     "python": python}
    return result
