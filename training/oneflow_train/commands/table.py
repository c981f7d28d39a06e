"""`oneflow-train table`: Table 1 (docs/results/table1.{md,json}), its two figures and README's copy of the table, from
the committed JSON named in docs/results/table1_rows.json (oneflow_train/table1/).

Reads each row's result JSONs, runs `node dist/src/cli.js inspect --json` on each row's ONNX file (the FLOP count and
metadata the node itself reports; `npm run build` first) and reads the bench JSONs. A row whose `wide` results are
missing is skipped with a printed note, so rows can be listed before their evaluations land. `--rerun-evals` first
re-runs the evaluation commands recorded in the rows' result JSONs (hours on CPU; chunked results re-run per chunk).
"""
from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

COMMAND = "oneflow-train table"


def add_arguments(parser) -> None:
    parser.add_argument("--rows", default="docs/results/table1_rows.json", help="the declarative row list")
    parser.add_argument("--out", default="docs/results/table1", help="writes OUT.md and OUT.json")
    parser.add_argument("--figures-dir", default="docs", help="where the two PNG figures go")
    parser.add_argument("--readme", default="README.md",
                        help="replace the table between README's table1 markers ('' = leave README alone)")
    parser.add_argument("--cli", default="dist/src/cli.js", help="the built node CLI used for `inspect --json`")
    parser.add_argument("--rerun-evals", action="store_true",
                        help="re-run the evaluation commands recorded in the rows' result JSONs first (slow)")


def inspect_onnx(cli: str, onnx: str) -> dict:
    """`node <cli> inspect --json <onnx>`: the report `npx oneflow inspect --json` prints."""
    if not Path(cli).is_file():
        raise FileNotFoundError(f"{cli} not found: build the node CLI first (`npm run build`), or pass --cli")
    r = subprocess.run(["node", cli, "inspect", onnx, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise ValueError(f"`node {cli} inspect {onnx} --json` exited {r.returncode}: {r.stdout.strip()} "
                         f"{r.stderr.strip()}")
    return json.loads(r.stdout)


def recorded_commands(result: dict) -> list[str]:
    """The eval command(s) that produced a result JSON (one per merged chunk)."""
    run = result.get("run", {})
    chunks = run.get("merged_from") or [run]
    return [c["command"] for c in chunks if c.get("command")]


def _read_json(paths) -> dict[str, dict]:
    """{path: document} for the files that exist (build_table notes the rest)."""
    return {p: json.loads(Path(p).read_text()) for p in dict.fromkeys(paths) if Path(p).is_file()}


def run(args) -> int:
    from ..table1.build import build_table, per_seed_differences
    from ..table1.figures import coverage_latency_figure, paired_figure
    from ..table1.markdown import FIGURES, render_markdown, replace_block, table_block
    from ..table1.row_spec import load_spec

    spec = load_spec(args.rows)
    result_paths = [p for r in spec.rows for p in (*r.val, *r.wide)]
    results = _read_json(result_paths)
    if args.rerun_evals:
        for path, result in results.items():
            for command in recorded_commands(result):
                print(f"[{path}] {command}", flush=True)
                subprocess.run(shlex.split(command), check=True)
        results = _read_json(result_paths)
    reports = {r.onnx: inspect_onnx(args.cli, r.onnx) for r in spec.rows if r.onnx and Path(r.onnx).is_file()}
    benches = _read_json(spec.bench)

    table = build_table(spec, results, reports, benches)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(table, indent=1) + "\n")
    out.with_suffix(".md").write_text(render_markdown(table, COMMAND))
    figures = Path(args.figures_dir)
    coverage_latency_figure(table, figures / FIGURES[0][1])
    diffs = per_seed_differences(spec, results)
    if any(diffs.values()):
        paired_figure(table, diffs, figures / FIGURES[1][1])
    if args.readme:
        readme = Path(args.readme)
        readme.write_text(replace_block(readme.read_text(), table_block(table), str(readme)))
    for s in table["skipped"]:
        print(f"note: row {s['id']} skipped ({', '.join(s['missing'])} not found)")
    for n in table["notes"]:
        print(f"note: {n}")
    print(f"wrote {out.with_suffix('.md')}, {out.with_suffix('.json')}, {figures / FIGURES[0][1]}, "
          f"{figures / FIGURES[1][1]}" + (f", {args.readme} (table block)" if args.readme else ""))
    print(table_block(table))
    return 0
