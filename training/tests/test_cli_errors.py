"""`oneflow-train`: a newcomer's mistakes each print one line naming the value and what was expected, exit 2;
`--debug` (or ONEFLOW_DEBUG=1) shows the traceback instead; an unexpected error keeps its traceback."""
import subprocess
import sys
from pathlib import Path

import pytest

from oneflow_train import cli

ROOT = Path(__file__).resolve().parents[2]
STUDENT = ROOT / "models" / "student_keypoints_cpu"
TEACHER = ROOT / "models" / "teacher_keypoints_cpu"
BAD_STATE = ROOT / "test" / "fixtures" / "models" / "bad_state_shape.onnx"


def _one_line(capsys, argv: list[str]) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def test_a_seed_range_without_its_end(capsys):
    line = _one_line(capsys, ["eval", "--policy", "random", "--seeds", "100000-", "--no-progress"])
    assert line.startswith("oneflow-train eval: seed range part '100000-'") and "a:b, a-b" in line


def test_a_policy_directory_that_is_no_checkpoint(capsys, tmp_path):
    line = _one_line(capsys, ["eval", "--policy", f"{tmp_path}/", "--seeds", "100000", "--train-seeds", "",
                              "--workers", "1", "--no-progress"])
    assert f"{tmp_path}: no config.json (not a checkpoint directory: expected config.json" in line


@pytest.mark.skipif(not STUDENT.exists(), reason="shipped student checkpoint not present")
def test_a_misspelt_sampler_on_a_student(capsys):
    line = _one_line(capsys, ["flops", str(STUDENT), "--sampler", "onestpe"])
    assert line == ("oneflow-train flops: sampler 'onestpe' does not fit this OneFlowStudentPolicy checkpoint: "
                    "expected onestep | twostep; did you mean 'onestep'?")


@pytest.mark.skipif(not TEACHER.exists(), reason="shipped teacher checkpoint not present")
def test_a_student_sampler_on_a_teacher(capsys):
    line = _one_line(capsys, ["flops", str(TEACHER), "--sampler", "ddim:x"])
    assert line.endswith("sampler 'ddim:x' does not fit this TeacherPolicy checkpoint: expected ddpm100 | ddim:N; "
                         "did you mean 'ddim:16'?")


def test_a_missing_checkpoint(capsys, tmp_path):
    line = _one_line(capsys, ["export", str(tmp_path / "nope"), "--sampler", "onestep", "--out", str(tmp_path / "x.onnx")])
    assert line.startswith(f"oneflow-train export: {tmp_path / 'nope'}: no config.json")


def test_a_missing_dataset(capsys, tmp_path):
    line = _one_line(capsys, ["data", "--zarr", str(tmp_path / "nope.zarr")])
    assert f"{tmp_path / 'nope.zarr'}: dataset not found" in line


def test_a_model_that_breaks_the_contract(capsys):
    line = _one_line(capsys, ["eval", "--policy", str(BAD_STATE), "--seeds", "100000,100001", "--train-seeds", "",
                              "--workers", "1", "--no-progress"])
    assert "input.state.shape: expected [1, 2, 5], found [1, 2, 4]" in line


def test_debug_shows_the_traceback(monkeypatch):
    with pytest.raises(ValueError, match="seed range part '100000-'"):
        cli.main(["eval", "--policy", "random", "--seeds", "100000-", "--debug"])
    monkeypatch.setenv("ONEFLOW_DEBUG", "1")
    with pytest.raises(ValueError, match="seed range part '100000-'"):
        cli.main(["eval", "--policy", "random", "--seeds", "100000-"])


def test_an_unexpected_error_keeps_its_traceback(monkeypatch):
    from oneflow_train.commands import data

    def bug(args):
        raise RuntimeError("a bug")
    monkeypatch.setattr(data, "run", bug)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["data"])


def test_the_installed_entry_point_prints_one_line():
    proc = subprocess.run([sys.executable, "-m", "oneflow_train", "eval", "--policy", "random", "--seeds", "1:x"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "oneflow-train eval: seed range part '1:x' in '1:x' is neither an integer, a:b, a-b nor one of the named "
        "sets ['test', 'val', 'wide']"]
