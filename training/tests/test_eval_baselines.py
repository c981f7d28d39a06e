"""Baselines and the real env: demo replay reproduces a demonstration, stand-still keeps the agent put, random is
seeded, image observations are rendered, and the CLI writes the JSON fields others depend on."""
import json

import numpy as np
import pytest

from oneflow_train.data.pusht import load_replay_buffer
from oneflow_train.evaluation.baselines import DemoReplayPolicy, RandomPolicy, StandStillPolicy
from oneflow_train.evaluation.protocol import EvalProtocol, run_episodes


@pytest.fixture(scope="module")
def buf():
    return load_replay_buffer()


def test_demo_replay_seed_1_succeeds(buf):
    (res,) = run_episodes(DemoReplayPolicy(buf), [1])
    assert res.success and res.score == 1.0 and res.n_steps <= 130


def test_demo_replay_rejects_test_seeds(buf):
    with pytest.raises(ValueError, match=r"seeds must lie in \[0, 206\), got \[100000\]"):
        run_episodes(DemoReplayPolicy(buf), [100000], EvalProtocol(max_steps=8))


def test_stand_still_and_random():
    (still,) = run_episodes(StandStillPolicy(), [100000], EvalProtocol(max_steps=16))
    assert still.n_steps == 16 and not still.success
    a = run_episodes(RandomPolicy(), [100001, 100002], EvalProtocol(max_steps=16))
    b = run_episodes(RandomPolicy(), [100002], EvalProtocol(max_steps=16))
    assert a[1].rewards == b[0].rewards  # per-episode noise: batch composition doesn't matter


def test_evaluate_in_process_and_summarize():
    from oneflow_train.evaluation.results import summarize
    from oneflow_train.evaluation.runner import evaluate

    eps = evaluate(StandStillPolicy(), [100003, 100004], EvalProtocol(max_steps=8), progress=False)
    s = summarize(eps)
    assert s["n_episodes"] == 2 and set(s["per_seed"]) == {"100003", "100004"} and s["success_rate"] == 0.0


def test_image_policy_gets_rendered_frames():
    class ImagePolicy(StandStillPolicy):
        uses_image = True
        seen = []

        def predict(self, state, image, noise):
            self.seen.append(image)
            return super().predict(state, image, noise)

    p = ImagePolicy()
    run_episodes(p, [100000], EvalProtocol(max_steps=8))
    img = p.seen[0]
    assert img.shape == (1, 2, 96, 96, 3) and img.dtype == np.uint8 and img.min() < 200


def test_cli_json(tmp_path):
    from oneflow_train.cli import main

    out = tmp_path / "r.json"
    assert main(["eval", "--policy", "stand-still", "--seeds", "100000:100002", "--train-seeds", "0",
                 "--max-steps", "8", "--workers", "1", "--out", str(out), "--no-progress"]) == 0
    r = json.loads(out.read_text())
    for key in ("mean_score", "success_rate", "n_episodes", "seeds", "per_seed", "protocol", "train"):
        assert key in r
    assert r["n_episodes"] == 2 and set(r["per_seed"]) == {"100000", "100001"}
    assert r["train"]["n_episodes"] == 1 and r["protocol"]["max_steps"] == 8


def test_worker_processes_match_in_process():
    from oneflow_train.evaluation.runner import evaluate

    seeds = [100005, 100006, 100007]
    multi = evaluate("random", seeds, EvalProtocol(max_steps=8), workers=2, progress=False)
    local = evaluate("random", seeds, EvalProtocol(max_steps=8), workers=1, progress=False)
    assert [e["seed"] for e in multi] == seeds
    assert [e["rewards"] for e in multi] == [e["rewards"] for e in local]
