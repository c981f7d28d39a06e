"""--set overrides and the shared start of the baselines' `distill --method` branches (config_overrides.py)."""
from __future__ import annotations

import json

import pytest

from oneflow_train import cli
from oneflow_train.config_overrides import apply_overrides


def test_set_reaches_nested_keys_parses_json_and_keeps_the_input():
    d = {"a": {"b": 1}, "c": 2}
    out = apply_overrides(d, ["a.b=3", "a.x.y=[1, 2]", "name=tiny", "flag=true"])
    assert out == {"a": {"b": 3, "x": {"y": [1, 2]}}, "c": 2, "name": "tiny", "flag": True}
    assert d == {"a": {"b": 1}, "c": 2}
    with pytest.raises(ValueError, match="--set expects KEY=VALUE, got 'oops'"):
        apply_overrides(d, ["oops"])


@pytest.mark.parametrize("method", ["cp", "onedp"])
@pytest.mark.parametrize("flag", [["--ablations", "x.json"], ["--resume", "runs/x"], ["--bench-trajectories", "1,2"]])
def test_baselines_refuse_oneflow_only_flags_in_one_line(method, flag, tmp_path, capsys):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"name": "x"}))
    rc = cli.main(["distill", "--method", method, "--teacher", "t", "--config", str(config), "--out", "o", *flag])
    err = capsys.readouterr().err
    assert rc == 2 and f"--method {method} takes --teacher" in err and "OneFlow-only" in err and len(err.strip().splitlines()) == 1
