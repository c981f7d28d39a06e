"""The declarative row list of Table 1 (docs/results/table1_rows.json), read once into frozen dataclasses.

A row names the files that make it: the ONNX file (FLOPs, network calls, provenance via `oneflow inspect --json`;
latency from the bench JSONs by this path), the result JSONs of its `val` and `wide` evaluations (each a list: chunk
files of one evaluation are merged as `oneflow-train merge` does; `test` is read from the `wide` episodes, or from the
optional `test` files while the `wide` ones are missing), and the key of the paper's row beside it. Adding a method = adding a row; a row whose files are missing is skipped with a note.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PAPER_FIELDS = ("coverage", "latency_ms", "gflops", "matches")


@dataclass(frozen=True)
class PaperRow:
    """One row of the paper's Table 1, copied as printed (strings keep their rounding), and what it matches."""
    coverage: str
    latency_ms: str
    gflops: str
    matches: str  # the published number it matches (docs: shared distillation.md §8)


@dataclass(frozen=True)
class RowSpec:
    id: str
    label: str
    onnx: str | None  # the shipped ONNX file; None for a policy that has none
    val: tuple[str, ...]  # result JSON chunks of the `val` evaluation (may be empty)
    wide: tuple[str, ...]  # result JSON chunks of the `wide` evaluation (holds `test` too)
    test: tuple[str, ...]  # a DP-50-only evaluation, used while the `wide` files are missing (may be empty)
    paper: str | None  # key into TableSpec.paper
    note: str


@dataclass(frozen=True)
class TableSpec:
    reference: str  # row id every paired difference and latency ratio is taken against (the DDPM-100 teacher)
    bench: tuple[str, ...]  # bench JSONs, most preferred first: a row's latency comes from the first that measured it
    rows: tuple[RowSpec, ...]
    paper: dict[str, PaperRow]
    paper_differs: tuple[str, ...]  # what differs between the paper's setting and ours, one point per entry
    notes: tuple[str, ...]


def _strings(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of strings, got {value!r}")
    return tuple(value)


def parse_spec(raw: dict, where: str = "table1_rows.json") -> TableSpec:
    """Validate the row list's JSON object; errors name the field, the value and what was expected."""
    known = {"reference", "bench", "rows", "paper", "paper_differs", "notes"}
    if unknown := set(raw) - known:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; expected some of {sorted(known)}")
    paper = {}
    for key, p in raw.get("paper", {}).items():
        if set(p) != set(PAPER_FIELDS):
            raise ValueError(f"{where}: paper[{key!r}] has fields {sorted(p)}, expected {list(PAPER_FIELDS)}")
        paper[key] = PaperRow(**{f: str(p[f]) for f in PAPER_FIELDS})
    rows = []
    for i, r in enumerate(raw.get("rows", [])):
        at = f"{where}: rows[{i}]"
        for field in ("id", "label", "wide"):
            if field not in r:
                raise ValueError(f"{at} has no {field!r} (fields: {sorted(r)})")
        if r.get("paper") is not None and r["paper"] not in paper:
            raise ValueError(f"{at} ({r['id']}): paper {r['paper']!r} is not one of {sorted(paper)}")
        if not r["wide"]:
            raise ValueError(f"{at} ({r['id']}): 'wide' needs at least one result file")
        rows.append(RowSpec(id=str(r["id"]), label=str(r["label"]), onnx=r.get("onnx"),
                            val=_strings(r.get("val", []), f"{at}.val"), wide=_strings(r["wide"], f"{at}.wide"),
                            test=_strings(r.get("test", []), f"{at}.test"),
                            paper=r.get("paper"), note=str(r.get("note", ""))))
    ids = [r.id for r in rows]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ValueError(f"{where}: row ids must be unique, repeated: {dupes}")
    reference = raw.get("reference")
    if reference not in ids:
        raise ValueError(f"{where}: reference {reference!r} must be one of the row ids {ids}")
    return TableSpec(reference=reference, bench=_strings(raw.get("bench", []), f"{where}: bench"), rows=tuple(rows),
                     paper=paper, paper_differs=_strings(raw.get("paper_differs", []), f"{where}: paper_differs"),
                     notes=_strings(raw.get("notes", []), f"{where}: notes"))


def load_spec(path: str | Path) -> TableSpec:
    return parse_spec(json.loads(Path(path).read_text()), str(path))
