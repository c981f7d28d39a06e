"""The Python twin of the node's noise generator reproduces src/policy/noise.ts (pinned reference values)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from oneflow_train.replay_parity import gaussian_noise, noise_index_of_stamp

REF = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "noise_reference.json"
STAMP_REF = REF.with_name("noise_stamp_reference.json")


def test_noise_twin_matches_the_typescript_reference_values() -> None:
    cases = json.loads(REF.read_text())
    assert len(cases) >= 3
    for case in cases:
        got = gaussian_noise(case["seed"], case["call"], len(case["values"]))
        np.testing.assert_array_equal(got, np.array(case["values"], dtype=np.float32))
    assert not np.array_equal(gaussian_noise(0, 0, 8), gaussian_noise(0, 1, 8))
    assert not np.array_equal(gaussian_noise(0, 0, 8), gaussian_noise(1, 0, 8))


def test_noise_index_of_stamp_matches_the_pinned_values_the_typescript_test_checks() -> None:
    cases = json.loads(STAMP_REF.read_text())
    assert len(cases) >= 4
    for case in cases:
        assert noise_index_of_stamp(int(case["stampNs"])) == case["index"], case
    assert noise_index_of_stamp(-1) == noise_index_of_stamp(2**64 - 1)
    assert noise_index_of_stamp(5) != noise_index_of_stamp(5 + 2**32)
