"""The validation learning curve: every snapshot rolled out one-step on the validation seeds (never test seeds),
logged per epoch, and the snapshot the validation seeds prefer recorded in the summary."""
import json

import pytest

from oneflow_train.checkpoint import save_checkpoint
from oneflow_train.distill import DistillConfig, distill
from oneflow_train.distill_validation import best_snapshot, validation_seeds

from test_distill import teacher  # noqa: F401  (pytest fixture; `data` comes from conftest.py)


def test_validation_seeds_are_the_validation_range():
    assert validation_seeds(200000, 3) == [200000, 200001, 200002]
    with pytest.raises(ValueError, match="got 100000:100050"):
        validation_seeds(100000, 50)  # the DP test seeds are never selected on
    with pytest.raises(ValueError, match="got 199990:200010"):
        validation_seeds(199990, 20)


def test_best_snapshot_takes_the_highest_validation_score_ties_to_the_later_epoch():
    rows = [{"epoch": 1, "snapshot": "a", "val_rollout": {"mean_score": 0.5}},
            {"epoch": 2},
            {"epoch": 3, "snapshot": "c", "val_rollout": {"mean_score": 0.7}},
            {"epoch": 4, "snapshot": "d", "val_rollout": {"mean_score": 0.7}},
            {"epoch": 5, "snapshot": "e", "val_rollout": {"mean_score": 0.6}}]
    assert best_snapshot(rows) == {"epoch": 4, "snapshot": "d", "mean_score": 0.7}
    assert best_snapshot([{"epoch": 1}]) is None


def test_every_snapshot_is_rolled_out_on_the_validation_seeds(teacher, data, tmp_path):  # noqa: F811
    save_checkpoint(tmp_path / "teacher", teacher, {"train_episodes": [0, 1], "val_episodes": [2]})
    cfg = DistillConfig(name="tiny_student", epochs=2, batch_size=8, max_batches_per_epoch=1, teacher_steps=4,
                        warmup_steps=1, val_samples=4, val_episodes=2, checkpoint_every_epochs=1)
    summary = distill(tmp_path / "teacher", cfg, tmp_path / "out", dataset=data[0], val_dataset=data[1])
    rows = [json.loads(line) for line in (tmp_path / "out" / "epochs.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2]
    for r in rows:
        v = r["val_rollout"]
        assert v["seeds"] == "200000:200002" and v["n_episodes"] == 2 and 0.0 <= v["mean_score"] <= 1.0
        assert r["snapshot"].endswith(f"epoch_{r['epoch']:04d}")
    best = summary["best_snapshot"]
    assert best == best_snapshot(rows) and best["seeds"] == "200000:200002"
