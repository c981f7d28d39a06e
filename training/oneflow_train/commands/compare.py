"""`oneflow-train compare A.json B.json [--seeds wide] [--out diff.json]`: the paired difference B − A.

Each side may be several chunk files of one evaluation (`--a A1.json A2.json --b B1.json ...`), merged first as
`oneflow-train merge` does. Both sides must share the protocol, which makes each common seed's episode start from
the same state with the same per-episode noise generator. Prints and writes B − A's mean with its standard error,
the number of common seeds and wins / ties / losses of B (`evaluation/stats.py`, docs/pusht_env.md §5).
"""
from __future__ import annotations

import json
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="*", help="A.json B.json (or use --a/--b for chunked results)")
    parser.add_argument("--a", nargs="+", default=None, metavar="A.json", help="side A: one or more chunk files")
    parser.add_argument("--b", nargs="+", default=None, metavar="B.json", help="side B: one or more chunk files")
    parser.add_argument("--seeds", default=None,
                        help="restrict to these seeds (a named set val|test|wide, or a range); default all common")
    parser.add_argument("--out", default=None, help="write the comparison JSON here")


def _side(paths: list[str]) -> dict:
    from ..evaluation.merge import merge_results

    results = [json.loads(Path(p).read_text()) for p in paths]
    return results[0] if len(results) == 1 else merge_results(results, paths)


def run(args) -> int:
    from ..evaluation.stats import paired_difference
    from .seed_range import describe, parse_range

    if args.a or args.b:
        if not (args.a and args.b) or args.files:
            raise ValueError("give either two files (A.json B.json) or both --a and --b, not a mix")
        a_files, b_files = args.a, args.b
    elif len(args.files) == 2:
        a_files, b_files = [args.files[0]], [args.files[1]]
    else:
        raise ValueError(f"expected two result files A.json B.json, got {len(args.files)}: {args.files}")
    a, b = _side(a_files), _side(b_files)
    if a["protocol"] != b["protocol"]:
        raise ValueError(f"protocols differ, so the episodes are not paired: A {a['protocol']} vs B {b['protocol']}")
    per_a, per_b = a["per_seed"], b["per_seed"]
    if args.seeds:
        keep = {str(s) for s in parse_range(args.seeds)}
        per_a = {s: v for s, v in per_a.items() if s in keep}
        per_b = {s: v for s, v in per_b.items() if s in keep}
    diff = paired_difference(per_a, per_b)
    result = {"a": {"policy": a["policy"], "policy_args": a.get("policy_args", {}), "files": a_files},
              "b": {"policy": b["policy"], "policy_args": b.get("policy_args", {}), "files": b_files},
              "seeds": describe(args.seeds) if args.seeds else "all common", "difference": "B - A", **diff,
              "protocol": a["protocol"]}

    def label(r):
        return r["policy"] + (f" {r['policy_args']}" if r.get("policy_args") else "")

    print(f"A {label(a)}: {diff['mean_a']:.4f} ± {diff['mean_a_se']:.4f}\n"
          f"B {label(b)}: {diff['mean_b']:.4f} ± {diff['mean_b_se']:.4f}\n"
          f"B - A = {diff['mean_diff']:+.4f} ± {diff['mean_diff_se']:.4f} (paired, {diff['n_common']} common seeds "
          f"{diff['common_seeds']}; B wins {diff['wins']}, ties {diff['ties']}, loses {diff['losses']})")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out}")
    return 0
