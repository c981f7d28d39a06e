"""Evaluation rollouts that also record every predicted chunk, for the coherence metrics.

Runs the shared protocol (`evaluation.protocol.run_episodes`: same seeds, same per-episode noise, same scores as
`oneflow-train eval`) with the policy wrapped in a recorder that asks for the episode context (seeds, steps) so each
predicted chunk is filed under its episode. Episodes are spread over spawned worker processes.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from ..evaluation.stats import mean_se
from .coherence import chunk_boundary_discontinuity, jerk, within_chunk_smoothness


class ChunkRecorder:
    """EvalPolicy wrapper: forwards `predict` and keeps chunks[seed] = list of (Ha, Da) raw predicted chunks."""

    needs_episode_context = True

    def __init__(self, policy):
        self.policy = policy
        for name in ("n_obs_steps", "n_action_steps", "horizon", "noise_shape", "uses_image"):
            setattr(self, name, getattr(policy, name))
        self.chunks: dict[int, list[np.ndarray]] = {}

    def predict(self, state, image, noise, seeds=None, steps=None):
        action = np.asarray(self.policy.predict(state, image, noise))
        for b, s in enumerate(seeds):
            self.chunks.setdefault(int(s), []).append(action[b].copy())
        return action


def _episode_coherence(chunks: list[np.ndarray], n_steps: int, To: int, Ta: int) -> dict[str, float]:
    c = np.stack(chunks)  # (calls, Ha, Da)
    executed = c[:, To - 1: To - 1 + Ta].reshape(-1, c.shape[-1])[:n_steps]  # what the env was commanded, in order
    d = chunk_boundary_discontinuity(c, To, Ta)
    return {"jerk_mean": jerk(executed)["mean"], "jerk_rms": jerk(executed)["rms"], "boundary_norm": d["normalised"],
            "boundary_px": d["raw"], "median_step_px": d["median_step"], "smoothness": within_chunk_smoothness(c)}


def _worker(spec: str, policy_args: dict, seeds: list[int], threads: int, report) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    try:
        import torch
        torch.set_num_threads(threads)
        from ..evaluation.factory import make_policy
        from ..evaluation.protocol import run_episodes
        rec = ChunkRecorder(make_policy(spec, policy_args))
        results = run_episodes(rec, seeds)
        out = []
        for r in results:
            d = r.to_dict()
            d.update(_episode_coherence(rec.chunks[r.seed], r.n_steps, rec.n_obs_steps, rec.n_action_steps))
            out.append(d)
        report("end", out)
    except BaseException:  # noqa: BLE001 — report to the parent
        import traceback
        report("error", traceback.format_exc())


def rollouts_with_coherence(spec: str, seeds: Sequence[int], policy_args: dict[str, Any] | None = None,
                            workers: int = 2, threads_per_worker: int = 1) -> dict[str, Any]:
    """Evaluate a checkpoint/ONNX spec on `seeds`; returns the protocol aggregate plus mean coherence metrics.

    threads_per_worker defaults to 1: on a shared CPU more threads oversubscribe (docs/oneflow.md §3)."""
    from ..evaluation.worker_pool import run_workers

    seeds = [int(s) for s in seeds]
    workers = max(1, min(workers, len(seeds)))
    shares = [(spec, dict(policy_args or {}), seeds[w::workers], threads_per_worker) for w in range(workers)]
    episodes = [e for end in run_workers(_worker, shares, lambda *_: None) for e in end]
    episodes.sort(key=lambda e: seeds.index(e["seed"]))
    mean = lambda k: float(np.nanmean([e[k] for e in episodes]))  # noqa: E731
    score, score_se = mean_se([e["score"] for e in episodes])
    rate, rate_se = mean_se([float(e["success"]) for e in episodes])
    return {"mean_score": score, "mean_score_se": score_se, "success_rate": rate, "success_rate_se": rate_se,
            "n_episodes": len(episodes), "jerk_mean_px_s3": mean("jerk_mean"), "jerk_rms_px_s3": mean("jerk_rms"),
            "boundary_discontinuity_norm": mean("boundary_norm"), "boundary_discontinuity_px": mean("boundary_px"),
            "within_chunk_smoothness_px2": mean("smoothness"), "per_seed": {str(e["seed"]): e["score"] for e in episodes},
            "episodes": episodes}
