"""Fidelity of the Push-T port against the recorded demonstrations (pure measurements; the CLI plots/writes).

Frame t of an episode holds the state/image *before* action t, so replaying actions 0..t-1 from reset(seed=i)
must reproduce recorded frame t (episode i was recorded with env seed i).
"""
from __future__ import annotations

import numpy as np

from ..data.keypoints import keypoints_from_state
from ..data.replay_buffer import ReplayBuffer
from .coverage import coverage
from .pusht_env import PushTEnv


def wrap_angle(a):
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


def reset_errors(buf: ReplayBuffer, episodes) -> dict[str, np.ndarray]:
    """reset(seed=i) vs recorded first frame of episode i: per-episode max |agent xy|, |block xy| (px), |angle| (rad)."""
    env = PushTEnv()
    agent, block, angle = [], [], []
    for i in episodes:
        obs = env.reset(seed=int(i))
        rec = buf.state[buf.episode_starts[i]].astype(np.float64)
        agent.append(np.abs(obs[:2] - rec[:2]).max())
        block.append(np.abs(obs[2:4] - rec[2:4]).max())
        angle.append(abs(float(wrap_angle(obs[4] - rec[4]))))
    return {"agent_px": np.array(agent), "block_px": np.array(block), "angle_rad": np.array(angle)}


def replay_episode(buf: ReplayBuffer, episode: int, render: bool = False) -> dict:
    """Replay episode's recorded actions from reset(seed=episode); compare with the recorded frames."""
    ep = buf.episode(episode, with_image=render)
    rec = ep["state"].astype(np.float64)
    n = len(rec)
    env = PushTEnv()
    obs = env.reset(seed=episode)
    sim = [obs]
    # recorded keypoints vs the keypoints of (a) the recorded state, (b) the pose DP's _set_state(recorded state)
    # leaves after its one 0.01 s physics step when the agent keeps the replay's current velocity
    probe = PushTEnv(legacy=False)
    kp_state_err, kp_setstate_err = [], []

    def keypoint_probe(t):
        kp_state_err.append(float(np.abs(keypoints_from_state(rec[t]) - ep["keypoint"][t]).max()))
        probe.reset(state=rec[t])
        probe.agent.velocity = env.agent.velocity
        probe.set_state(rec[t])
        kp_setstate_err.append(float(np.abs(keypoints_from_state(probe.get_obs()) - ep["keypoint"][t]).max()))

    keypoint_probe(0)
    contacts = []
    image_mae = []
    if render:
        image_mae.append(float(np.abs(env.render().astype(np.int16) - ep["img"][0].astype(np.int16)).mean()))
    final_reward, done_at = 0.0, None
    for t, action in enumerate(ep["action"]):
        obs, reward, done, info = env.step(action)
        if t + 1 < n:
            sim.append(obs)
            keypoint_probe(t + 1)
            contacts.append(info["n_contacts"])
            if render:
                img = env.render()
                image_mae.append(float(np.abs(img.astype(np.int16) - ep["img"][t + 1].astype(np.int16)).mean()))
        final_reward = reward
        if done and done_at is None:
            done_at = t + 1
    sim = np.array(sim)
    pos_err = np.linalg.norm(sim[:, 2:4] - rec[:, 2:4], axis=1)
    ang_err = np.abs(wrap_angle(sim[:, 4] - rec[:, 4]))
    cov_rec = np.array([coverage(s[2:]) for s in rec])
    cov_sim = np.array([coverage(s[2:]) for s in sim])
    out = {
        "episode": int(episode),
        "n_frames": int(n),
        "final_block_pos_err_px": float(pos_err[-1]),
        "final_block_angle_err_rad": float(ang_err[-1]),
        "max_block_pos_err_px": float(pos_err.max()),
        "max_agent_pos_err_px": float(np.linalg.norm(sim[:, :2] - rec[:, :2], axis=1).max()),
        "max_coverage_recorded": float(cov_rec.max()),
        "max_coverage_sim": float(cov_sim.max()),
        "max_coverage_diff": float(cov_sim.max() - cov_rec.max()),
        "reward_after_last_action_sim": float(final_reward),
        "success_step_sim": done_at,
        "keypoint_err_vs_state_px": float(max(kp_state_err)),
        "keypoint_err_vs_setstate_px": float(max(kp_setstate_err)),
        "n_contacts_agreement": float(np.mean(np.array(contacts) == ep["n_contacts"][1:, 0])) if contacts else 1.0,
    }
    if render:
        out["image_mae_mean"] = float(np.mean(image_mae))
        out["image_mae_max"] = float(np.max(image_mae))
        out["image_mae_per_frame"] = image_mae
    return out
