"""The Python twin of the node's noise generator reproduces src/policy/noise.ts (pinned reference values)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from oneflow_train.replay_parity import gaussian_noise

REF = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "noise_reference.json"


def test_noise_twin_matches_the_typescript_reference_values() -> None:
    cases = json.loads(REF.read_text())
    assert len(cases) >= 3
    for case in cases:
        got = gaussian_noise(case["seed"], case["call"], len(case["values"]))
        np.testing.assert_array_equal(got, np.array(case["values"], dtype=np.float32))
    assert not np.array_equal(gaussian_noise(0, 0, 8), gaussian_noise(0, 1, 8))
    assert not np.array_equal(gaussian_noise(0, 0, 8), gaussian_noise(1, 0, 8))
