"""`oneflow-train table`: Table 1 (docs/results/table1.{md,json}), its two figures and README's copy of the table, from
the committed JSON named in docs/results/table1_rows.json (oneflow_train/table1/).

Reads each row's result JSONs, runs `node dist/src/cli.js inspect --json` on each row's ONNX file (the FLOP count and
metadata the node itself reports; `npm run build` first) and reads the bench JSONs. A row whose `wide` results are
missing is skipped with a printed note, so rows can be listed before their evaluations land.

`--rerun-evals` first re-evaluates every row's `val` and `wide` set into its (single) result file: the policy and
policy arguments the existing file names, or the row's ONNX file when there is no result yet (`--eval-arg` passes
options through, e.g. `--eval-arg=--workers=16`). Hours on a CPU; a row listing several chunk files is left alone.
"""
from __future__ import annotations

import json
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
                        help="re-evaluate every row's val and wide sets into its result files first (slow)")
    parser.add_argument("--eval-arg", action="append", default=[], metavar="ARG",
                        help="with --rerun-evals: an extra `oneflow-train eval` argument (repeatable)")


def inspect_onnx(cli: str, onnx: str) -> dict:
    """`node <cli> inspect --json <onnx>`: the report `npx oneflow inspect --json` prints."""
    if not Path(cli).is_file():
        raise FileNotFoundError(f"{cli} not found: build the node CLI first (`npm run build`), or pass --cli")
    r = subprocess.run(["node", cli, "inspect", onnx, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise ValueError(f"`node {cli} inspect {onnx} --json` exited {r.returncode}: {r.stdout.strip()} "
                         f"{r.stderr.strip()}")
    return json.loads(r.stdout)


def eval_argv(policy: str, policy_args: dict, seed_set: str, out: str, extra: list[str]) -> list[str]:
    """`oneflow-train eval` arguments that evaluate `policy` on a named seed set into `out`."""
    args = [a for k, v in policy_args.items() for a in ("--policy-arg", f"{k}={v}")]
    return ["eval", "--policy", policy, *args, "--seeds", seed_set, "--train-seeds", "", "--out", out, *extra]


def rerun_evals(spec, extra: list[str]) -> None:
    from ..cli import main as cli_main

    for row in spec.rows:
        for seed_set, files in (("val", row.val), ("wide", row.wide)):
            if len(files) != 1:
                print(f"note: {row.id} {seed_set}: {len(files)} result files listed, not re-evaluated (list one)")
                continue
            old = Path(files[0])
            if not old.is_file() and not (row.onnx and Path(row.onnx).is_file()):
                print(f"note: {row.id} {seed_set}: neither {files[0]} nor an ONNX file to evaluate")
                continue
            doc = json.loads(old.read_text()) if old.is_file() else {"policy": row.onnx, "policy_args": {}}
            argv = eval_argv(doc["policy"], doc.get("policy_args", {}), seed_set, files[0], extra)
            print(f"[{row.id}] oneflow-train {' '.join(argv)}", flush=True)
            if (rc := cli_main(argv)) != 0:
                raise RuntimeError(f"{row.id} {seed_set}: oneflow-train eval exited {rc}")


def _read_json(paths) -> dict[str, dict]:
    """{path: document} for the files that exist (build_table notes the rest)."""
    return {p: json.loads(Path(p).read_text()) for p in dict.fromkeys(paths) if Path(p).is_file()}


def run(args) -> int:
    from ..table1.build import build_table, per_seed_differences
    from ..table1.figures import coverage_latency_figure, paired_figure
    from ..table1.markdown import FIGURES, render_markdown, replace_block, table_block
    from ..table1.row_spec import load_spec

    spec = load_spec(args.rows)
    result_paths = [p for r in spec.rows for p in (*r.val, *r.wide, *r.test)]
    if args.rerun_evals:
        rerun_evals(spec, args.eval_arg)
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
