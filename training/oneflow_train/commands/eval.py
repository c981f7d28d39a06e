"""`oneflow-train eval`: the Diffusion Policy Push-T protocol on an ONNX file, a checkpoint, or a baseline."""
from __future__ import annotations

import json
import platform
import shlex
import sys
import time
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--policy", required=True,
                        help="model.onnx | checkpoint dir | demo-replay | random | stand-still")
    parser.add_argument("--seeds", default="test",
                        help="seeds: a named set (val = 200000:200200, test = 100000:100050, wide = 100000:100500; "
                             "see commands/seed_range.py), half-open a:b, a-b, or a,b,c")
    parser.add_argument("--train-seeds", default="0:6",
                        help="DP's train seeds, reported separately under 'train' ('' to skip)")
    parser.add_argument("--out", default=None, help="result JSON path")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (episodes run in lockstep in each)")
    parser.add_argument("--threads-per-worker", type=int, default=None,
                        help="torch/onnxruntime/OpenMP threads per worker (default: CPUs in this process's affinity "
                             "set // workers; on a 16-core machine whose nproc says 1: --workers 16 "
                             "--threads-per-worker 1)")
    parser.add_argument("--lockstep-batch", type=int, default=None,
                        help="episodes per lockstep batch in each worker, finished ones replaced by pending seeds "
                             "(default: the worker's whole share at once)")
    parser.add_argument("--max-steps", type=int, default=300)
    parser.add_argument("--gif-dir", default=None, help="write one rollout GIF per seed here")
    parser.add_argument("--policy-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="adapter argument, e.g. sampler=ddim:10 (teacher) or n_steps=2 (student)")
    parser.add_argument("--zarr", default=None, help="dataset path for demo-replay")
    parser.add_argument("--no-progress", action="store_true")


def _policy_args(items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--policy-arg {item!r}: expected KEY=VALUE")
        key, value = item.split("=", 1)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def run(args) -> int:
    from ..evaluation.protocol import EvalProtocol
    from ..evaluation.results import build_result, set_lines
    from ..evaluation.runner import evaluate
    from .seed_range import describe, parse_range

    test_seeds = parse_range(args.seeds)
    train_seeds = parse_range(args.train_seeds) if args.train_seeds else []
    train_only = [s for s in train_seeds if s not in set(test_seeds)]
    protocol = EvalProtocol(max_steps=args.max_steps)
    policy_args = _policy_args(args.policy_arg)
    t0 = time.time()
    episodes = evaluate(args.policy, test_seeds + train_only, protocol, workers=args.workers, policy_args=policy_args,
                        zarr_path=args.zarr, gif_dir=args.gif_dir, progress=not args.no_progress,
                        threads_per_worker=args.threads_per_worker, lockstep_batch=args.lockstep_batch)
    result = build_result(
        policy=args.policy, policy_args=policy_args, test_seeds_text=describe(args.seeds), test_seeds=test_seeds,
        train_seeds_text=args.train_seeds, train_seeds=train_seeds, episodes=episodes, protocol=protocol,
        workers=args.workers, wall_s=time.time() - t0,
        run_extra={"threads_per_worker": args.threads_per_worker, "lockstep_batch": args.lockstep_batch},
        command="oneflow-train " + shlex.join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("oneflow-train") else None,
        python=platform.python_version(),
    )
    line = f"{args.policy}: mean_score {result['mean_score']:.4f} ± {result['mean_score_se']:.4f}  success_rate " \
           f"{result['success_rate']:.3f} ± {result['success_rate_se']:.3f}  ({result['n_episodes']} episodes, seeds " \
           f"{describe(args.seeds)})"
    if "train" in result:
        line += f"  | train seeds {args.train_seeds}: {result['train']['mean_score']:.4f}"
    print("\n".join([line, *set_lines(result)]))
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out}")
    return 0
