"""`oneflow-train merge CHUNK.json... --out merged.json`: one result from an evaluation run in disjoint seed chunks."""
from __future__ import annotations

import json
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", help="result JSONs of one policy on disjoint seeds (oneflow-train eval)")
    parser.add_argument("--out", required=True, help="merged result JSON path")


def run(args) -> int:
    from ..evaluation.merge import merge_results
    from ..evaluation.results import set_lines

    merged = merge_results([json.loads(Path(f).read_text()) for f in args.files], args.files)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=1) + "\n")
    print(f"{merged['policy']}: mean_score {merged['mean_score']:.4f} ± {merged['mean_score_se']:.4f}  success_rate "
          f"{merged['success_rate']:.3f} ± {merged['success_rate_se']:.3f}  ({merged['n_episodes']} episodes from "
          f"{len(args.files)} files)", *set_lines(merged), f"wrote {out}", sep="\n")
    return 0
