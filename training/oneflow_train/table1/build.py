"""Table 1 from already-loaded JSON documents: no file I/O here, so fixtures test it directly.

Per row: network calls, FLOPs per inference and the training seed from the ONNX file's `oneflow inspect --json`
report; mean ± SE and success rate ± SE on `val`, `test` (DP's 50) and `wide` (500) recomputed from the evaluation's
episodes (`evaluation/results.set_summaries`, so older results without "sets" read the same); the paired difference
row − reference on `wide` (`evaluation/stats.paired_difference`); latency p50/p99 from the first listed bench JSON
that measured the row's ONNX file, and its ratio to the reference's latency measured in the SAME bench run.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..evaluation.merge import merge_results, scored_episodes
from ..evaluation.results import set_summaries
from ..evaluation.seed_sets import SEED_SETS
from ..evaluation.stats import paired_difference
from .row_spec import RowSpec, TableSpec

SETS = ("val", "test", "wide")
SET_FIELDS = ("mean_score", "mean_score_se", "success_rate", "success_rate_se", "n_episodes")


def one_result(paths: tuple[str, ...], results: Mapping[str, dict]) -> dict:
    """The evaluation held in `paths` (several chunk files are merged)."""
    docs = [results[p] for p in paths]
    return docs[0] if len(docs) == 1 else merge_results(docs, list(paths))


def bench_entries(bench: dict) -> list[dict]:
    """Every per-model latency a bench JSON holds: (b)'s teacher and student, (m)'s list of every model."""
    pair = bench.get("teacherStudent") or {}
    entries = [pair[k] for k in ("teacher", "student") if k in pair]
    return entries + list((bench.get("allModels") or {}).get("models", []))


def find_latency(onnx: str | None, spec: TableSpec, benches: Mapping[str, dict]) -> tuple[str, dict] | None:
    """(bench file, entry) of the first listed bench JSON that measured `onnx`, else None."""
    for path in spec.bench:
        for entry in bench_entries(benches.get(path, {})):
            if onnx is not None and entry["model"] == onnx:
                return path, entry
    return None


def shipped_check(row: RowSpec, result: dict, report: dict | None) -> str | None:
    """None when the evaluated policy is the shipped ONNX file or the checkpoint it was exported from with the same
    sampler; else why not."""
    if report is None or report.get("policy") is None:
        return None if row.onnx is None else f"{row.onnx}: no ONNX metadata to compare with"
    meta = report["policy"]
    evaluated, checkpoint = result["policy"], meta["provenance"].get("checkpoint")
    if evaluated not in (row.onnx, checkpoint):
        return f"evaluated {evaluated!r}, but {row.onnx} was exported from {checkpoint!r}"
    sampler = (result.get("policy_args") or {}).get("sampler")
    if evaluated == checkpoint and sampler is not None and sampler != meta.get("sampler"):
        return f"evaluated sampler {sampler!r}, but {row.onnx} holds sampler {meta.get('sampler')!r}"
    return None


def _wide_scores(result: dict) -> dict[str, float]:
    wide = {str(s) for s in SEED_SETS["wide"]}
    return {s: v for s, v in result["per_seed"].items() if s in wide}


def build_row(row: RowSpec, spec: TableSpec, results: Mapping[str, dict], reports: Mapping[str, dict],
              benches: Mapping[str, dict], reference_wide: dict | None) -> tuple[dict, list[str]]:
    """One row of the table and the notes it raises."""
    notes: list[str] = []
    files = test_side(row, results)
    wide = one_result(files, results)
    sets = {k: v for k, v in set_summaries(scored_episodes(wide)).items() if k in ("test", "wide")}
    sets = {k: {**{f: v[f] for f in SET_FIELDS}, "files": list(files)} for k, v in sets.items()}
    if row.val and all(p in results for p in row.val):
        val = set_summaries(scored_episodes(one_result(row.val, results))).get("val")
        if val is not None:
            sets["val"] = {**{f: val[f] for f in SET_FIELDS}, "files": list(row.val)}
    for name in SETS:
        if name not in sets:
            notes.append(f"{row.id}: no complete `{name}` evaluation ({SEED_SETS[name].start}–"
                         f"{SEED_SETS[name].stop - 1}) in {list(row.val if name == 'val' else files)}")
    report = reports.get(row.onnx) if row.onnx else None
    meta = (report or {}).get("policy") or {}
    out = {"id": row.id, "label": row.label, "onnx": row.onnx, "method": meta.get("method"),
           "network_calls": meta.get("network_calls_per_inference"),
           "flops_per_inference": None if report is None else report["flopsPerInference"],
           "training_seed": (meta.get("provenance") or {}).get("seed"), "training_seeds": 1,
           "evaluated": {"policy": wide["policy"], "policy_args": wide.get("policy_args", {})},
           "sets": {k: sets[k] for k in SETS if k in sets}, "paper": row.paper, "note": row.note}
    if row.onnx is not None and report is None:
        notes.append(f"{row.id}: {row.onnx} not found, FLOPs and network calls not shown")
    if (why := shipped_check(row, wide, report)) is not None:
        notes.append(f"{row.id}: {why}")
    out["evaluated"]["is_shipped"] = why is None

    out["paired_wide"] = None
    if row.id != spec.reference and reference_wide is not None:
        if wide["protocol"] != reference_wide["protocol"]:
            notes.append(f"{row.id}: protocol differs from {spec.reference}'s, no paired difference")
        else:
            a, b = _wide_scores(reference_wide), _wide_scores(wide)
            if set(a) & set(b):
                d = paired_difference(a, b)
                out["paired_wide"] = {k: d[k] for k in ("n_common", "mean_diff", "mean_diff_se", "wins", "ties",
                                                         "losses", "common_seeds")}

    found = find_latency(row.onnx, spec, benches)
    out["latency"] = None
    if found is None:
        if row.onnx is not None:
            notes.append(f"{row.id}: latency not measured ({row.onnx} is in none of {list(spec.bench)})")
    else:
        bench_path, entry = found
        st = entry["inference"]
        out["latency"] = {"p50_s": st["p50"], "p99_s": st["p99"], "n": st["n"], "bench": bench_path,
                          "model": entry["model"], "ratio_p50": None, "ratio_p99": None}
        ref_onnx = next(r.onnx for r in spec.rows if r.id == spec.reference)
        ref = next((e for e in bench_entries(benches[bench_path]) if e["model"] == ref_onnx), None)
        if ref is None:
            notes.append(f"{row.id}: no latency ratio — {bench_path} did not measure the reference {ref_onnx}")
        else:
            out["latency"]["ratio_p50"] = ref["inference"]["p50"] / st["p50"]
            out["latency"]["ratio_p99"] = ref["inference"]["p99"] / st["p99"]
    return out, notes


def test_side(row: RowSpec, results: Mapping[str, dict]) -> tuple[str, ...]:
    """The files of the row's test-side evaluation: `wide` when all are loaded, else `test` (a DP-50-only run)."""
    if row.test and any(p not in results for p in row.wide) and all(p in results for p in row.test):
        return row.test
    return row.wide


def missing_files(row: RowSpec, results: Mapping[str, dict]) -> list[str]:
    """The test-side result files that are not loaded: without them the row is skipped."""
    return [p for p in test_side(row, results) if p not in results]


def per_seed_differences(spec: TableSpec, results: Mapping[str, dict]) -> dict[str, dict[str, float]]:
    """{row id: {seed: score_row − score_reference}} on the common `wide` seeds, for every row but the reference."""
    by_id = {r.id: r for r in spec.rows}
    ref = _wide_scores(one_result(test_side(by_id[spec.reference], results), results))
    out = {}
    for r in spec.rows:
        if r.id == spec.reference or missing_files(r, results):
            continue
        scores = _wide_scores(one_result(test_side(r, results), results))
        out[r.id] = {s: float(scores[s]) - float(ref[s]) for s in sorted(set(ref) & set(scores), key=int)}
    return out


def build_table(spec: TableSpec, results: Mapping[str, dict], reports: Mapping[str, dict],
                benches: Mapping[str, dict]) -> dict:
    """The table1.json document. `results`, `reports` (ONNX path -> `oneflow inspect --json`) and `benches` hold the
    files that exist; rows whose `wide` results are missing are listed under "skipped"."""
    notes: list[str] = []
    by_id = {r.id: r for r in spec.rows}
    ref_row = by_id[spec.reference]
    reference_wide = None if missing_files(ref_row, results) else one_result(test_side(ref_row, results), results)
    if reference_wide is None:
        notes.append(f"reference {spec.reference}: {missing_files(ref_row, results)} missing, no paired differences")
    rows, skipped = [], []
    for r in spec.rows:
        if missing := missing_files(r, results):
            skipped.append({"id": r.id, "missing": missing})
            continue
        row, row_notes = build_row(r, spec, results, reports, benches, reference_wide)
        rows.append(row)
        notes.extend(row_notes)
    notes += [f"bench {p} not found" for p in spec.bench if p not in benches]
    row_models = {r.onnx for r in spec.rows}
    for path in spec.bench:
        for entry in bench_entries(benches.get(path, {})):
            if entry["model"] not in row_models:
                notes.append(f"{path} measured {entry['model']}, which is no row's ONNX file: not used")
    hosts = {p: benches[p].get("host") for p in spec.bench if p in benches}
    return {"reference": spec.reference, "rows": rows, "skipped": skipped, "bench_hosts": hosts,
            "paper": {k: vars(v) for k, v in spec.paper.items()}, "paper_differs": list(spec.paper_differs),
            "spec_notes": list(spec.notes), "notes": notes}
