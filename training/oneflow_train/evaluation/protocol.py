"""DP's Push-T protocol (`pusht_*_runner.py` + `MultiStepWrapper`), with a worker's episodes in lockstep.

Per episode: reset(seed) (legacy set-state order); each policy call sees the last To observations (the first call
repeats the reset observation); the evaluator executes action[:, To-1 : To-1+Ta] one env step at a time and stops
the episode at the first step with coverage > 0.95 or after max_steps env steps. Score = max over executed steps of
clip(coverage/0.95, 0, 1); success = coverage > 0.95 reached. Active episodes share one `predict` call per round
(at most `lockstep_batch` of them; a finished episode's slot goes to the next pending seed).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from ..env.pusht_env import PushTEnv
from .policy_api import check_policy
from .stats import mean_se


@dataclass(frozen=True)
class EvalProtocol:
    max_steps: int = 300  # env steps (30 s at 10 Hz)
    render_size: int = 96

    def to_dict(self) -> dict:
        return {"name": "diffusion_policy_pusht", "max_steps": self.max_steps, "success_coverage": 0.95,
                "score": "per-episode max of clip(coverage/0.95, 0, 1), averaged", "reset": "RandomState(seed), legacy",
                "obs_padding": "repeat first", "noise": "default_rng(seed).standard_normal(noise_shape) per call",
                "render_size": self.render_size}


@dataclass
class EpisodeResult:
    seed: int
    score: float = 0.0  # max reward over executed steps
    success: bool = False
    n_steps: int = 0
    n_policy_calls: int = 0
    final_coverage: float = 0.0
    rewards: list[float] = field(default_factory=list, repr=False)

    def to_dict(self, with_rewards: bool = False) -> dict:
        d = asdict(self)
        if not with_rewards:
            d.pop("rewards")
        return d


def _stack_last(history: list, n: int) -> np.ndarray:
    """DP `stack_last_n_obs`: the last n entries, the oldest repeated when fewer exist."""
    last = history[-n:]
    return np.stack([last[0]] * (n - len(last)) + last)


def run_episodes(
    policy,
    seeds: Sequence[int],
    protocol: EvalProtocol = EvalProtocol(),
    env_factory: Callable[[], object] | None = None,
    on_done: Callable[[EpisodeResult], None] | None = None,
    frames_out: dict[int, list] | None = None,
    frame_size: int = 192,
    lockstep_batch: int | None = None,
) -> list[EpisodeResult]:
    """Run one episode per seed in lockstep; returns results in seed order.

    lockstep_batch: at most this many episodes share a `predict` call (None = all seeds at once). When an episode
    finishes, the next pending seed starts in its place, so the batch stays full until the seeds run out. Each
    episode owns its env and its noise generator, so only a network's float32 rounding, which depends on the batch
    it runs in, can make results differ between batch sizes (docs/pusht_env.md §3).
    env_factory builds an env with reset(seed)->obs, step(a)->(obs, reward, done, info), render(size)->uint8 HWC
    (tests inject a scripted one). frames_out, when given, receives per-seed rendered frames (for GIFs).
    """
    check_policy(policy)
    if lockstep_batch is not None and lockstep_batch < 1:
        raise ValueError(f"lockstep_batch must be >= 1 (or None for all seeds at once), got {lockstep_batch}")
    To, Ta = policy.n_obs_steps, policy.n_action_steps
    make_env = env_factory or (lambda: PushTEnv(legacy=True, render_size=protocol.render_size))
    seeds = [int(s) for s in seeds]
    n = len(seeds)
    envs: list = [None] * n
    rngs: list = [None] * n
    results = [EpisodeResult(seed=s) for s in seeds]
    states: list[list[np.ndarray]] = [[] for _ in seeds]
    images: list[list[np.ndarray]] = [[] for _ in seeds]

    def start(i: int) -> None:
        envs[i], rngs[i] = make_env(), np.random.default_rng(seeds[i])
        states[i].append(np.asarray(envs[i].reset(seed=seeds[i]), np.float32))
        if policy.uses_image:
            images[i].append(envs[i].render(protocol.render_size))
        if frames_out is not None:
            frames_out[seeds[i]] = [envs[i].render(frame_size)]

    context = bool(getattr(policy, "needs_episode_context", False))
    pending = iter(range(n))
    first = n if lockstep_batch is None else lockstep_batch
    active = [i for _, i in zip(range(first), pending)]  # range first, so zip never draws a seed it then drops
    for i in active:
        start(i)
    while active:
        state = np.stack([_stack_last(states[i], To) for i in active]).astype(np.float32)  # (B, To, 5)
        image = np.stack([_stack_last(images[i], To) for i in active]) if policy.uses_image else None
        noise = np.stack([rngs[i].standard_normal(policy.noise_shape).astype(np.float32) for i in active])
        if context:
            action = policy.predict(state, image, noise, seeds=np.array([seeds[i] for i in active]),
                                    steps=np.array([results[i].n_steps for i in active]))
        else:
            action = policy.predict(state, image, noise)
        action = np.asarray(action)
        if action.shape[:2] != (len(active), policy.horizon) or action.shape[-1] != 2:
            raise ValueError(f"{type(policy).__name__}.predict returned shape {action.shape}, expected "
                             f"({len(active)}, {policy.horizon}, 2)")
        chunk = action[:, To - 1 : To - 1 + Ta]
        still_active = []
        for b, i in enumerate(active):
            res, env = results[i], envs[i]
            res.n_policy_calls += 1
            finished = False
            for a in chunk[b]:
                obs, reward, done, info = env.step(a)
                res.n_steps += 1
                res.rewards.append(float(reward))
                res.final_coverage = float(info.get("coverage", 0.0))
                states[i].append(np.asarray(obs, np.float32))
                del states[i][:-To]
                if policy.uses_image:
                    images[i].append(env.render(protocol.render_size))
                    del images[i][:-To]
                if frames_out is not None:
                    frames_out[seeds[i]].append(env.render(frame_size))
                if done:
                    res.success = True
                if done or res.n_steps >= protocol.max_steps:
                    finished = True
                    break
            if finished:
                res.score = max(res.rewards) if res.rewards else 0.0
                envs[i], rngs[i], states[i], images[i] = None, None, [], []  # free the slot
                if on_done is not None:
                    on_done(res)
                refill = next(pending, None)
                if refill is not None:
                    start(refill)
                    still_active.append(refill)
            else:
                still_active.append(i)
        active = still_active
    return results


def aggregate(results: Sequence[EpisodeResult]) -> dict:
    """Mean score and success rate over the episodes, each with its standard error (`stats.mean_se`)."""
    mean, mean_se_ = mean_se([r.score for r in results])
    rate, rate_se = mean_se([float(r.success) for r in results])
    return {
        "mean_score": mean,
        "mean_score_se": mean_se_,
        "success_rate": rate,
        "success_rate_se": rate_se,
        "n_episodes": len(results),
        "per_seed": {str(r.seed): r.score for r in results},
    }
