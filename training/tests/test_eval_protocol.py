"""Protocol mechanics with a scripted env and policy: padding, 8-step execution, early stop, max aggregation,
per-episode noise, truncation at max_steps, and lockstep batching."""
import numpy as np
import pytest

from oneflow_train.evaluation.protocol import EvalProtocol, aggregate, run_episodes


class ScriptedEnv:
    """obs = [step, seed, 0, 0, 0]; reward from a script; done when the scripted coverage > 0.95."""

    def __init__(self, rewards_by_seed, done_at_by_seed):
        self.rewards_by_seed, self.done_at_by_seed = rewards_by_seed, done_at_by_seed
        self.actions = []

    def reset(self, seed):
        self.seed, self.t = seed, 0
        return np.array([0, seed, 0, 0, 0], float)

    def step(self, action):
        self.actions.append(np.array(action))
        self.t += 1
        script = self.rewards_by_seed.get(self.seed, [0.1])
        reward = script[min(self.t - 1, len(script) - 1)]
        done = self.done_at_by_seed.get(self.seed) == self.t
        return np.array([self.t, self.seed, 0, 0, 0], float), reward, done, {"coverage": reward * 0.95}

    def render(self, size):
        return np.zeros((size, size, 3), np.uint8)


class RecordingPolicy:
    n_obs_steps, n_action_steps, horizon, uses_image = 2, 8, 16, False
    noise_shape = (1, 16, 2)

    def __init__(self):
        self.calls = []

    def predict(self, state, image, noise):
        self.calls.append((state.copy(), noise.copy()))
        # action[k] = (k, seed): lets the env check which entries were executed
        B = len(state)
        k = np.broadcast_to(np.arange(16, dtype=np.float32)[None, :], (B, 16))
        seed = np.broadcast_to(state[:, -1:, 1], (B, 16))
        return np.stack([k, seed], -1)


def _run(seeds, rewards=None, done_at=None, max_steps=300):
    envs = []

    def factory():
        envs.append(ScriptedEnv(rewards or {}, done_at or {}))
        return envs[-1]

    policy = RecordingPolicy()
    results = run_episodes(policy, seeds, EvalProtocol(max_steps=max_steps), env_factory=factory)
    return policy, envs, results


def test_first_call_padded_by_repetition_then_last_two_obs():
    policy, _, _ = _run([7], done_at={7: 20})
    first, _ = policy.calls[0]
    assert first.shape == (1, 2, 5) and first.dtype == np.float32
    np.testing.assert_array_equal(first[0, 0], first[0, 1])  # reset obs repeated
    second, _ = policy.calls[1]
    assert second[0, :, 0].tolist() == [7, 8]  # obs after env steps 7 and 8


def test_executes_action_to_minus_1_through_plus_8():
    _, envs, results = _run([3], done_at={3: 20})
    executed = np.array(envs[0].actions)
    assert executed[:8, 0].tolist() == list(range(1, 9))  # action[:, To-1 : To-1+8] = indices 1..8
    assert executed[8:16, 0].tolist() == list(range(1, 9))
    assert results[0].n_policy_calls == 3 and results[0].n_steps == 20


def test_early_stop_at_success_and_max_aggregation():
    _, envs, results = _run([1, 2], rewards={1: [0.2, 0.9, 0.4, 0.3], 2: [0.1, 0.3, 0.5, 1.0]}, done_at={2: 11})
    r1, r2 = results
    assert r2.success and r2.n_steps == 11 and len(envs[1].actions) == 11  # stopped mid-chunk
    assert r2.score == 1.0
    assert not r1.success and r1.n_steps == 300 and r1.score == pytest.approx(0.9)  # max, not last
    agg = aggregate(results)
    assert agg["mean_score"] == pytest.approx(0.95) and agg["success_rate"] == 0.5
    assert agg["per_seed"] == {"1": pytest.approx(0.9), "2": 1.0}


def test_truncation_at_max_steps():
    _, envs, results = _run([5], max_steps=300)
    assert results[0].n_steps == 300 and results[0].n_policy_calls == 38  # 37 full chunks + 4 steps
    assert len(envs[0].actions) == 300


def test_noise_per_episode_from_default_rng_and_lockstep_batch():
    policy, _, _ = _run([10, 11, 12], done_at={10: 8, 11: 30, 12: 30})
    (s0, n0), (s1, n1) = policy.calls[0], policy.calls[1]
    assert len(s0) == 3 and len(s1) == 2  # seed 10 finished after one chunk, the others stay batched
    rng10, rng11 = np.random.default_rng(10), np.random.default_rng(11)
    np.testing.assert_array_equal(n0[0], rng10.standard_normal((1, 16, 2)).astype(np.float32))
    first11 = rng11.standard_normal((1, 16, 2)).astype(np.float32)
    np.testing.assert_array_equal(n0[1], first11)
    np.testing.assert_array_equal(n1[0], rng11.standard_normal((1, 16, 2)).astype(np.float32))  # 2nd draw


def test_bad_action_shape_is_reported():
    class Bad(RecordingPolicy):
        def predict(self, state, image, noise):
            return np.zeros((len(state), 8, 2))

    with pytest.raises(ValueError, match=r"returned shape \(1, 8, 2\), expected \(1, 16, 2\)"):
        run_episodes(Bad(), [0], env_factory=lambda: ScriptedEnv({}, {}))


def _scores(results):
    return [(r.seed, r.score, r.success, r.n_steps, r.n_policy_calls) for r in results]


@pytest.mark.parametrize("batch, sizes", [
    (1, [1] * 15),
    (2, [2, 2, 2, 2, 2, 2, 1, 1, 1]),  # slots refilled as soon as an episode ends
    (3, [3, 3, 3, 3, 1, 1, 1]),
])
def test_lockstep_batch_refills_slots_and_leaves_results_unchanged(batch, sizes):
    seeds = [20, 21, 22, 23, 24]
    done_at = {20: 8, 21: 30, 22: 9, 23: 17, 24: 40}  # 1, 4, 2, 3, 5 policy calls
    rewards = {s: [0.1 * (s - 19), 0.05] for s in seeds}
    _, _, ref = _run(seeds, rewards=rewards, done_at=done_at)
    policy = RecordingPolicy()
    results = run_episodes(policy, seeds, EvalProtocol(), lockstep_batch=batch,
                           env_factory=lambda: ScriptedEnv(rewards, done_at))
    assert _scores(results) == _scores(ref)
    assert [len(state) for state, _ in policy.calls] == sizes
    rngs = {s: np.random.default_rng(s) for s in seeds}  # each row's noise: the next draw of its own stream
    for state, noise in policy.calls:
        for b, seed in enumerate(state[:, -1, 1].astype(int)):
            np.testing.assert_array_equal(noise[b], rngs[seed].standard_normal((1, 16, 2)).astype(np.float32))


def test_lockstep_batch_must_be_positive():
    with pytest.raises(ValueError, match="lockstep_batch must be >= 1.*got 0"):
        run_episodes(RecordingPolicy(), [0], lockstep_batch=0, env_factory=lambda: ScriptedEnv({}, {}))


def test_aggregate_reports_standard_errors():
    _, _, results = _run([1, 2, 3], rewards={1: [0.2], 2: [0.4], 3: [0.9]}, done_at={3: 1})
    agg = aggregate(results)
    scores = np.array([0.2, 0.4, 0.9])
    assert agg["mean_score"] == pytest.approx(scores.mean())
    assert agg["mean_score_se"] == pytest.approx(scores.std(ddof=1) / np.sqrt(3))
    assert agg["success_rate"] == pytest.approx(1 / 3)
    assert agg["success_rate_se"] == pytest.approx(np.array([0, 0, 1.0]).std(ddof=1) / np.sqrt(3))
