"""Named seed sets, standard errors and the paired difference (docs/pusht_env.md §5)."""
import numpy as np
import pytest

from oneflow_train.commands.seed_range import SEED_SETS, describe, parse_range
from oneflow_train.evaluation.stats import mean_se, paired_difference


def test_named_seed_sets():
    assert parse_range("val") == list(range(200000, 200200))
    assert parse_range("test") == list(range(100000, 100050))
    assert parse_range("wide") == list(range(100000, 100500))
    assert parse_range("test,200000:200002") == list(range(100000, 100050)) + [200000, 200001]
    assert set(parse_range("val")).isdisjoint(parse_range("wide"))
    assert set(parse_range("test")) <= set(parse_range("wide"))
    assert describe("wide") == "wide (100000:100500)" and list(SEED_SETS["test"]) == list(range(100000, 100050))
    assert parse_range("0-2,7") == [0, 1, 2, 7]


def test_seed_range_errors_name_the_part():
    with pytest.raises(ValueError, match=r"'valid'.*named sets \['test', 'val', 'wide'\]"):
        parse_range("valid")
    with pytest.raises(ValueError, match=r"repeats seeds \[100000, 100001"):
        parse_range("test,wide")


def test_mean_se():
    assert mean_se([1.0, 3.0]) == pytest.approx((2.0, np.std([1.0, 3.0], ddof=1) / np.sqrt(2)))
    mean, se = mean_se([0.5])
    assert mean == 0.5 and np.isnan(se)


def test_paired_difference_on_common_seeds():
    a = {"1": 0.5, "2": 0.7, "3": 1.0, "4": 0.2}
    b = {"2": 0.9, "3": 1.0, "4": 0.1, "5": 0.8}
    p = paired_difference(a, b)
    d = np.array([0.2, 0.0, -0.1])
    assert p["n_common"] == 3 and p["n_only_a"] == 1 and p["n_only_b"] == 1
    assert p["mean_diff"] == pytest.approx(d.mean())
    assert p["mean_diff_se"] == pytest.approx(d.std(ddof=1) / np.sqrt(3))
    assert (p["wins"], p["ties"], p["losses"]) == (1, 1, 1)
    assert p["mean_a"] == pytest.approx(np.mean([0.7, 1.0, 0.2]))
    assert p["mean_b"] == pytest.approx(np.mean([0.9, 1.0, 0.1]))
    assert p["common_seeds"] == "2..4"


def test_paired_se_removes_shared_seed_variance():
    rng = np.random.default_rng(0)
    difficulty = rng.uniform(0, 1, 200)  # per-seed, shared by both policies
    a = {str(s): float(difficulty[s]) for s in range(200)}
    b = {str(s): float(difficulty[s] + 0.05 + 0.01 * rng.standard_normal()) for s in range(200)}
    p = paired_difference(a, b)
    assert p["mean_diff"] == pytest.approx(0.05, abs=0.005)
    assert p["mean_diff_se"] < 0.1 * np.hypot(p["mean_a_se"], p["mean_b_se"])


def test_paired_difference_without_common_seeds_fails():
    with pytest.raises(ValueError, match=r"no common seeds: A has 1 seeds \(1..1\), B has 1 \(2..2\)"):
        paired_difference({"1": 0.1}, {"2": 0.2})
