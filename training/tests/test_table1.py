"""Table 1 generator (oneflow_train/table1/, `oneflow-train table`) on small fixture JSONs, and README's copy of the
committed table: the block between the table1 markers in README.md must equal docs/results/table1.md's."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from oneflow_train.commands import table as table_command
from oneflow_train.evaluation.seed_sets import SEED_SETS
from oneflow_train.table1.build import build_table, per_seed_differences
from oneflow_train.table1.markdown import BEGIN, END, extract_block, render_markdown, replace_block, table_block
from oneflow_train.table1.row_spec import parse_spec

REPO = Path(__file__).resolve().parents[2]
PROTOCOL = {"name": "diffusion_policy_pusht", "max_steps": 300}


def result(policy: str, scores: dict[int, float], sampler: str | None = None, with_sets: bool = False) -> dict:
    """An `oneflow-train eval` result holding `scores` (seed -> score); success = score 1."""
    episodes = [{"seed": s, "score": v, "success": v == 1.0, "n_steps": 300, "n_policy_calls": 38,
                 "final_coverage": v} for s, v in sorted(scores.items())]
    doc = {"policy": policy, "policy_args": {} if sampler is None else {"sampler": sampler},
           "mean_score": float(np.mean(list(scores.values()))), "n_episodes": len(scores),
           "seeds": f"{min(scores)}:{max(scores) + 1}", "per_seed": {str(s): v for s, v in scores.items()},
           "protocol": PROTOCOL, "episodes": episodes, "run": {"command": f"oneflow-train eval --policy {policy}"}}
    if with_sets:
        doc["sets"] = {"wrong": "build must recompute the sets from the episodes, not trust this"}
    return doc


def scores_for(name: str, rng: np.random.Generator, shift: float = 0.0) -> dict[int, float]:
    base = rng.uniform(0.0, 1.0, len(SEED_SETS[name]))
    return {s: float(np.clip(b + shift, 0, 1)) for s, b in zip(SEED_SETS[name], base)}


def report(method: str, calls: int, flops: int, checkpoint: str, sampler: str) -> dict:
    """The part of `oneflow inspect --json` the table reads."""
    return {"flopsPerInference": flops, "policy": {"method": method, "network_calls_per_inference": calls,
            "sampler": sampler, "provenance": {"seed": 0, "checkpoint": checkpoint}}}


def latency(model: str, p50: float, p99: float) -> dict:
    return {"model": model, "inference": {"n": 10, "p50": p50, "p99": p99}}


SPEC = {
    "reference": "teacher",
    "bench": ["bench_all.json", "bench_pair.json"],
    "rows": [
        {"id": "teacher", "label": "Teacher DDPM-100", "onnx": "m/teacher.onnx", "paper": "DP",
         "val": ["teacher_val.json"], "wide": ["teacher_wide.json"]},
        {"id": "student", "label": "Student", "onnx": "m/student.onnx", "paper": None,
         "val": ["student_val.json"], "wide": ["student_w1.json", "student_w2.json"]},
        {"id": "ddim", "label": "Teacher DDIM-16", "onnx": "m/ddim.onnx", "wide": ["ddim_wide.json"]},
        {"id": "cp", "label": "CP", "onnx": "m/cp.onnx", "wide": ["cp_wide.json"]},
    ],
    "paper": {"DP": {"coverage": "0.86 ± 0.04", "latency_ms": "159.6 ± 5.5", "gflops": "254.9 ± 4.1",
                     "matches": "OneDP's DP"}},
    "paper_differs": ["theirs is image-based"],
    "notes": ["one training seed"],
}


@pytest.fixture
def fixture():
    rng = np.random.default_rng(0)
    teacher_wide = scores_for("wide", rng)
    noise = rng.normal(0.0, 0.05, len(SEED_SETS["wide"]))
    student_wide = {s: float(teacher_wide[s] - 0.1 + n) for s, n in zip(SEED_SETS["wide"], noise)}
    half = 100250
    results = {
        "teacher_val.json": result("ckpt/teacher", scores_for("val", rng), "ddpm100"),
        "teacher_wide.json": result("ckpt/teacher", teacher_wide, "ddpm100", with_sets=True),
        "student_val.json": result("ckpt/student", scores_for("val", rng)),
        # the student's wide run in two chunks, merged by the table
        "student_w1.json": result("ckpt/student", {s: v for s, v in student_wide.items() if s < half}),
        "student_w2.json": result("ckpt/student", {s: v for s, v in student_wide.items() if s >= half}),
        # evaluated with another sampler than the shipped file holds: flagged
        "ddim_wide.json": result("ckpt/teacher", scores_for("wide", rng), "ddim:8"),
    }  # cp_wide.json missing: the row is skipped
    reports = {"m/teacher.onnx": report("ddpm", 100, 3_780_000_000, "ckpt/teacher", "ddpm100"),
               "m/student.onnx": report("oneflow", 1, 37_800_000, "ckpt/student", "onestep"),
               "m/ddim.onnx": report("ddim", 16, 605_000_000, "ckpt/teacher", "ddim:16")}
    benches = {  # bench_all measured teacher and student in one run; bench_pair has the teacher and DDIM
        "bench_all.json": {"host": {"cpus": 2}, "allModels": {"models": [latency("m/teacher.onnx", 0.300, 0.330),
                                                                         latency("m/student.onnx", 0.003, 0.004)]}},
        "bench_pair.json": {"host": {"cpus": 2}, "teacherStudent": {"teacher": latency("m/teacher.onnx", 0.5, 0.6),
                                                                    "student": latency("m/ddim.onnx", 0.05, 0.06)}},
    }
    return results, reports, benches, teacher_wide, student_wide


def test_build_table_rows_sets_paired_latency_and_skips(fixture):
    results, reports, benches, teacher_wide, student_wide = fixture
    spec = parse_spec(SPEC)
    table = build_table(spec, results, reports, benches)
    rows = {r["id"]: r for r in table["rows"]}
    assert list(rows) == ["teacher", "student", "ddim"]
    assert table["skipped"] == [{"id": "cp", "missing": ["cp_wide.json"]}]

    t, s = rows["teacher"], rows["student"]
    assert (t["network_calls"], t["flops_per_inference"], t["training_seed"]) == (100, 3_780_000_000, 0)
    test_scores = [teacher_wide[k] for k in SEED_SETS["test"]]
    assert t["sets"]["test"]["mean_score"] == pytest.approx(np.mean(test_scores))
    assert t["sets"]["test"]["mean_score_se"] == pytest.approx(np.std(test_scores, ddof=1) / np.sqrt(50))
    assert t["sets"]["wide"]["n_episodes"] == 500 and t["sets"]["val"]["n_episodes"] == 200
    assert s["sets"]["wide"]["mean_score"] == pytest.approx(np.mean(list(student_wide.values())))

    d = np.array([student_wide[k] - teacher_wide[k] for k in SEED_SETS["wide"]])
    assert t["paired_wide"] is None
    assert s["paired_wide"]["n_common"] == 500
    assert s["paired_wide"]["mean_diff"] == pytest.approx(d.mean())
    assert s["paired_wide"]["mean_diff_se"] == pytest.approx(d.std(ddof=1) / np.sqrt(500))

    # latency from the first listed bench that measured the file; the ratio only within that same run
    assert (t["latency"]["bench"], t["latency"]["p50_s"]) == ("bench_all.json", 0.300)
    assert s["latency"]["ratio_p50"] == pytest.approx(100.0) and s["latency"]["ratio_p99"] == pytest.approx(82.5)
    assert rows["ddim"]["latency"]["bench"] == "bench_pair.json"
    assert rows["ddim"]["latency"]["ratio_p50"] == pytest.approx(10.0)  # bench_pair's own teacher, not bench_all's

    assert t["evaluated"]["is_shipped"] and s["evaluated"]["is_shipped"]
    assert not rows["ddim"]["evaluated"]["is_shipped"]
    assert any("ddim: evaluated sampler 'ddim:8'" in n for n in table["notes"])

    diffs = per_seed_differences(spec, results)
    assert set(diffs) == {"student", "ddim"}
    assert diffs["student"]["100007"] == pytest.approx(d[7])


def test_missing_latency_is_not_measured_and_unused_bench_entries_are_noted(fixture):
    results, reports, benches, *_ = fixture
    benches = {"bench_pair.json": {"teacherStudent": {"teacher": latency("m/teacher.onnx", 0.5, 0.6),
                                                      "student": latency("runs/other_student.onnx", 0.004, 0.005)}}}
    table = build_table(parse_spec(SPEC), results, reports, benches)
    rows = {r["id"]: r for r in table["rows"]}
    assert rows["student"]["latency"] is None
    assert "bench bench_all.json not found" in table["notes"]
    assert any("runs/other_student.onnx, which is no row's ONNX file" in n for n in table["notes"])
    block = table_block(table)
    student_line = next(line for line in block.splitlines() if line.startswith("| Student |"))
    assert "not measured" in student_line
    assert block.startswith(BEGIN) and block.endswith(END)
    assert len(block.splitlines()) == 2 + 2 + 3  # markers, header + rule, one line per built row


def test_markdown_rows_and_paper_column(fixture):
    results, reports, benches, *_ = fixture
    table = build_table(parse_spec(SPEC), results, reports, benches)
    md = render_markdown(table, "oneflow-train table")
    teacher_line = next(line for line in md.splitlines() if line.startswith("| Teacher DDPM-100 |"))
    cells = [c.strip() for c in teacher_line.strip("|").split("|")]
    assert cells[1:4] == ["1 (seed 0)", "100", "3.78"]
    assert cells[8] == "reference" and cells[9] == "300 / 330"
    assert cells[11] == "0.86 ± 0.04 · 159.6 ± 5.5 ms · 254.9 ± 4.1 G"
    assert "row `cp` skipped: cp_wide.json not found" in md
    assert "theirs is image-based" in md and "one training seed" in md


def test_replace_block_and_marker_errors():
    text = f"intro\n{BEGIN}\nold\n{END}\noutro\n"
    assert replace_block(text, f"{BEGIN}\nnew\n{END}", "R") == f"intro\n{BEGIN}\nnew\n{END}\noutro\n"
    with pytest.raises(ValueError, match=r"R: expected one .* found 0 begin and 0 end"):
        extract_block("no markers", "R")
    with pytest.raises(ValueError, match="found 1 begin and 1 end"):
        extract_block(f"{END}\n{BEGIN}", "R")


def test_spec_errors_name_the_value():
    with pytest.raises(ValueError, match=r"reference 'nope' must be one of the row ids \['teacher'"):
        parse_spec({**SPEC, "reference": "nope"})
    with pytest.raises(ValueError, match=r"rows\[1\] \(student\): paper 'XX' is not one of \['DP'\]"):
        parse_spec({**SPEC, "rows": [SPEC["rows"][0], {**SPEC["rows"][1], "paper": "XX"}]})
    with pytest.raises(ValueError, match=r"repeated: \['teacher'\]"):
        parse_spec({**SPEC, "rows": [SPEC["rows"][0], SPEC["rows"][0]]})


def test_command_writes_table_figures_and_readme_block(fixture, tmp_path, monkeypatch):
    results, reports, benches, *_ = fixture
    for name, doc in {**results, **benches}.items():
        (tmp_path / name).write_text(json.dumps(doc))
    (tmp_path / "m").mkdir()
    for onnx in reports:
        (tmp_path / onnx).write_bytes(b"")
    (tmp_path / "rows.json").write_text(json.dumps(SPEC))
    (tmp_path / "README.md").write_text(f"# R\n\n{BEGIN}\nstale\n{END}\n\nprose\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(table_command, "inspect_onnx", lambda cli, onnx: reports[onnx])

    class Args:
        rows, out, figures_dir, readme, cli, rerun_evals, eval_arg = "rows.json", "out/table1", "figs", "README.md", \
            "x", False, []

    (tmp_path / "figs").mkdir()
    assert table_command.run(Args) == 0
    md = (tmp_path / "out/table1.md").read_text()
    readme = (tmp_path / "README.md").read_text()
    assert extract_block(readme, "README") == extract_block(md, "table1.md")
    assert readme.endswith("\n\nprose\n") and "stale" not in readme
    assert json.loads((tmp_path / "out/table1.json").read_text())["skipped"][0]["id"] == "cp"
    for png in ("table1_coverage_latency.png", "table1_paired_wide.png"):
        assert (tmp_path / "figs" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readme_table_is_the_generated_one():
    """README.md's results table is docs/results/table1.md's; regenerate both with `oneflow-train table`."""
    readme = extract_block((REPO / "README.md").read_text(), "README.md")
    generated = extract_block((REPO / "docs/results/table1.md").read_text(), "docs/results/table1.md")
    assert readme == generated, "README.md's table differs from docs/results/table1.md: run `oneflow-train table`"


def test_rerun_evals_reevaluates_each_set_into_its_file(fixture, tmp_path, monkeypatch):
    results, reports, *_ = fixture
    for name, doc in results.items():
        (tmp_path / name).write_text(json.dumps(doc))
    (tmp_path / "m").mkdir()
    (tmp_path / "m/cp.onnx").write_bytes(b"")  # shipped, never evaluated: evaluated from the ONNX file
    monkeypatch.chdir(tmp_path)
    calls = []

    def fake_eval(argv):
        calls.append(argv)
        out = argv[argv.index("--out") + 1]
        seeds = SEED_SETS[argv[argv.index("--seeds") + 1]]
        Path(out).write_text(json.dumps(result(argv[argv.index("--policy") + 1], {s: 0.5 for s in seeds})))
        return 0

    monkeypatch.setattr("oneflow_train.cli.main", fake_eval)
    table_command.rerun_evals(parse_spec(SPEC), ["--workers=1"])
    runs = {(c[c.index("--out") + 1]): c for c in calls}
    assert set(runs) == {"teacher_val.json", "teacher_wide.json", "student_val.json", "ddim_wide.json",
                         "cp_wide.json"}  # the student's two wide chunks are left alone, as are empty val lists
    assert runs["teacher_wide.json"] == ["eval", "--policy", "ckpt/teacher", "--policy-arg", "sampler=ddpm100",
                                         "--seeds", "wide", "--train-seeds", "", "--out", "teacher_wide.json",
                                         "--workers=1"]
    assert runs["cp_wide.json"][1:3] == ["--policy", "m/cp.onnx"]
    assert json.loads((tmp_path / "cp_wide.json").read_text())["n_episodes"] == 500


def test_partial_wide_run_shows_its_seed_count_and_no_wide_mean(fixture):
    results, reports, benches, *_ = fixture
    part = result("ckpt/teacher", {s: 0.5 for s in range(100000, 100100)}, "ddim:16")
    table = build_table(parse_spec(SPEC), {**results, "ddim_wide.json": part}, reports, benches)
    ddim = next(line for line in table_block(table).splitlines() if line.startswith("| Teacher DDIM-16 |"))
    cells = [c.strip() for c in ddim.strip("|").split("|")]
    assert cells[5].startswith("0.500 ± 0.000") and cells[6] == "not evaluated"
    assert cells[8].endswith("(100 seeds)")
    assert any("ddim: no complete `wide` evaluation" in n for n in table["notes"])


def test_a_test_only_run_fills_the_row_until_its_wide_run_lands(fixture):
    results, reports, benches, teacher_wide, _ = fixture
    spec = parse_spec({**SPEC, "rows": [*SPEC["rows"][:3], {**SPEC["rows"][3], "test": ["cp_test.json"]}]})
    cp_test = {s: 0.25 for s in SEED_SETS["test"]}
    table = build_table(spec, {**results, "cp_test.json": result("ckpt/cp", cp_test)}, reports, benches)
    assert table["skipped"] == []
    cp = next(r for r in table["rows"] if r["id"] == "cp")
    assert set(cp["sets"]) == {"test"} and cp["sets"]["test"]["files"] == ["cp_test.json"]
    assert cp["paired_wide"]["n_common"] == 50
    assert cp["paired_wide"]["mean_diff"] == pytest.approx(0.25 - np.mean([teacher_wide[k] for k in SEED_SETS["test"]]))
    # once the wide run is there, it wins
    wide = result("ckpt/cp", {s: 0.5 for s in SEED_SETS["wide"]})
    table = build_table(spec, {**results, "cp_test.json": result("ckpt/cp", cp_test), "cp_wide.json": wide}, reports,
                        benches)
    cp = next(r for r in table["rows"] if r["id"] == "cp")
    assert cp["sets"]["test"]["mean_score"] == 0.5 and cp["paired_wide"]["n_common"] == 500
