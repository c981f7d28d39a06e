"""Reference policies: recorded-demo replay (oracle), uniform random targets, standing still."""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..data.replay_buffer import ReplayBuffer

_WS = 512.0


class StandStillPolicy:
    """Commands the agent's latest observed position: the agent never moves (the T moves only if already overlapped)."""

    n_obs_steps, n_action_steps, horizon, uses_image = 2, 8, 16, False
    noise_shape = (1, 16, 2)
    name = "stand-still"

    def predict(self, state, image, noise):
        return np.repeat(np.asarray(state, np.float32)[:, -1:, :2], self.horizon, axis=1)


class RandomPolicy:
    """Every action an independent uniform target in [0, 512)^2, from the episode's noise: u = Phi(noise) * 512."""

    n_obs_steps, n_action_steps, horizon, uses_image = 2, 8, 16, False
    noise_shape = (1, 16, 2)
    name = "random"

    def predict(self, state, image, noise):
        z = np.asarray(noise, np.float64)[:, 0]  # (B, 16, 2)
        u = ndtr(z)  # standard normal CDF
        return (u * _WS).astype(np.float32)


class DemoReplayPolicy:
    """Open loop: plays episode `seed`'s recorded actions (episode i was recorded from env seed i), then holds the
    last one. Only seeds 0..n_episodes-1 are valid."""

    n_obs_steps, n_action_steps, horizon, uses_image = 2, 8, 16, False
    noise_shape = (1, 16, 2)
    needs_episode_context = True
    name = "demo-replay"

    def __init__(self, buffer: ReplayBuffer):
        self.buffer = buffer

    def check_seeds(self, seeds) -> None:
        bad = [int(s) for s in seeds if not 0 <= s < self.buffer.n_episodes]
        if bad:
            raise ValueError(f"demo-replay plays recorded episode == seed; seeds must lie in [0, {self.buffer.n_episodes}), "
                             f"got {bad[:5]}{'...' if len(bad) > 5 else ''}")

    def predict(self, state, image, noise, seeds, steps):
        self.check_seeds(seeds)
        out = np.empty((len(seeds), self.horizon, 2), np.float32)
        for b, (seed, step) in enumerate(zip(seeds, steps)):
            actions = self.buffer.episode(int(seed))["action"]
            # action[k] is executed at env step step + k - (To - 1)
            idx = np.clip(int(step) + np.arange(self.horizon) - (self.n_obs_steps - 1), 0, len(actions) - 1)
            out[b] = actions[idx]
        return out
