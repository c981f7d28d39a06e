"""DP's Push-T protocol (`pusht_*_runner.py` + `MultiStepWrapper`), with all episodes of a worker in lockstep.

Per episode: reset(seed) (legacy set-state order); each policy call sees the last To observations (the first call
repeats the reset observation); the evaluator executes action[:, To-1 : To-1+Ta] one env step at a time and stops
the episode at the first step with coverage > 0.95 or after max_steps env steps. Score = max over executed steps of
clip(coverage/0.95, 0, 1); success = coverage > 0.95 reached. Active episodes share one `predict` call per round.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..env.pusht_env import PushTEnv
from .policy_api import check_policy


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
) -> list[EpisodeResult]:
    """Run one episode per seed, all in lockstep; returns results in seed order.

    env_factory builds an env with reset(seed)->obs, step(a)->(obs, reward, done, info), render(size)->uint8 HWC
    (tests inject a scripted one). frames_out, when given, receives per-seed rendered frames (for GIFs).
    """
    check_policy(policy)
    To, Ta = policy.n_obs_steps, policy.n_action_steps
    make_env = env_factory or (lambda: PushTEnv(legacy=True, render_size=protocol.render_size))
    seeds = [int(s) for s in seeds]
    envs = [make_env() for _ in seeds]
    rngs = [np.random.default_rng(s) for s in seeds]
    results = [EpisodeResult(seed=s) for s in seeds]
    states: list[list[np.ndarray]] = []
    images: list[list[np.ndarray]] = []
    for env, seed in zip(envs, seeds):
        states.append([np.asarray(env.reset(seed=seed), np.float32)])
        images.append([env.render(protocol.render_size)] if policy.uses_image else [])
        if frames_out is not None:
            frames_out[seed] = [env.render(frame_size)]
    context = bool(getattr(policy, "needs_episode_context", False))
    active = list(range(len(seeds)))
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
                if on_done is not None:
                    on_done(res)
            else:
                still_active.append(i)
        active = still_active
    return results


def aggregate(results: Sequence[EpisodeResult]) -> dict:
    scores = np.array([r.score for r in results], dtype=float)
    return {
        "mean_score": float(scores.mean()) if len(scores) else float("nan"),
        "success_rate": float(np.mean([r.success for r in results])) if results else float("nan"),
        "n_episodes": len(results),
        "per_seed": {str(r.seed): r.score for r in results},
    }
