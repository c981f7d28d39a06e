"""`oneflow-train match --student <ckpt> --teacher <ckpt> --out <dir>`: how well a OneFlow student matches its teacher.

1. Coverage + coherence on the test seeds (the eval protocol, same seeds and noise for every policy) of the student
   (one step; `--two-step` adds the 2-step sampler) and, unless --no-teacher-rollouts, its teacher's DDPM-100 and
   DDIM-16 — with jerk, chunk-boundary discontinuity and network calls per executed action.
2. Distribution match on --n-obs held-out validation observations × --n-draws noise draws (`metrics/sample_sets.py`):
   student vs an independent teacher set, beside the floor = a teacher set drawn like the student's vs the same set.
Writes <out>/match.json and <out>/samples.png.
"""
from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--student", required=True, help="student checkpoint directory (kind oneflow_student)")
    parser.add_argument("--teacher", required=True, help="its teacher's checkpoint directory")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--seeds", default="test",
                        help="rollout seeds: val | test | wide | a:b (commands/seed_range.py; '' skips rollouts)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-teacher-rollouts", action="store_true", help="roll out the student only")
    parser.add_argument("--teacher-samplers", default="ddpm100,ddim:16", help="teacher samplers to roll out")
    parser.add_argument("--ddpm-obs", type=int, default=None,
                        help="compare with DDPM-100 samples on this many of the observations (default all; 0 skips)")
    parser.add_argument("--two-step", action="store_true", help="also roll out the 2-step student sampler")
    parser.add_argument("--n-obs", type=int, default=200, help="validation observations (0 skips the distribution match)")
    parser.add_argument("--n-draws", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)


def val_states(teacher_dir: str, n_obs: int):
    """n_obs raw (To, 5) observations spread evenly over the teacher's validation windows."""
    import numpy as np

    from ..data.pusht import PushTSequenceDataset, load_replay_buffer
    from ..distill import DistillConfig, teacher_split
    buf = load_replay_buffer()
    _, val_eps = teacher_split(Path(teacher_dir), DistillConfig(), buf.n_episodes)
    ds = PushTSequenceDataset(buf, val_eps, horizon=16, n_obs_steps=2, n_action_steps=8)
    idx = np.unique(np.linspace(0, len(ds) - 1, n_obs).round().astype(int))
    return ds.get_batch(idx)["state"][:, :2], [int(e) for e in val_eps], len(ds)


def run(args) -> int:
    import torch

    from ..checkpoint import load_checkpoint
    from ..metrics.rollouts import rollouts_with_coherence
    from ..metrics.sample_sets import distribution_match, plot_samples
    from .seed_range import parse_range

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result: dict = {"student": args.student, "teacher": args.teacher,
                    "command": "oneflow-train match " + " ".join(shlex.quote(a) for a in sys.argv[2:])}
    t0 = time.time()
    if args.seeds:
        seeds = parse_range(args.seeds)
        runs = [("student_1step", args.student, {"n_steps": 1}, 1 / 8)]
        if args.two_step:
            runs.append(("student_2step", args.student, {"n_steps": 2}, 2 / 8))
        if not args.no_teacher_rollouts:
            for smp in [x for x in args.teacher_samplers.split(",") if x]:
                nfe = 100 if smp.startswith("ddpm") else int(smp.split(":")[1])
                runs.append((f"teacher_{smp.replace(':', '')}", args.teacher, {"sampler": smp}, nfe / 8))
        result["rollouts"] = {"seeds": args.seeds}
        for name, spec, pargs, calls in runs:
            r = rollouts_with_coherence(spec, seeds, pargs, workers=args.workers)
            r["unet_calls_per_action"] = calls
            result["rollouts"][name] = r
            print(f"{name}: mean score {r['mean_score']:.3f}, success {r['success_rate']:.2f}, jerk "
                  f"{r['jerk_mean_px_s3']:.0f} px/s^3, boundary {r['boundary_discontinuity_norm']:.2f} "
                  f"median steps ({time.time() - t0:.0f} s)", flush=True)
    if args.n_obs > 0:
        dev = torch.device(args.device)
        student = load_checkpoint(args.student, dev)
        teacher = load_checkpoint(args.teacher, dev)
        states, val_eps, n_windows = val_states(args.teacher, args.n_obs)
        refs = {"ddim:16": len(states)}
        n_ddpm = len(states) if args.ddpm_obs is None else args.ddpm_obs
        if n_ddpm > 0:
            refs["ddpm100"] = n_ddpm
        dm = distribution_match(student, teacher, states.to(dev), args.n_draws, args.seed, refs)
        plot_samples(dm, str(out / "samples.png"))
        dm.pop("samples")
        dm.update({"val_episodes": val_eps, "val_windows": n_windows})
        result["distribution"] = dm
        if "paired_endpoint_mse" in dm:
            print(f"paired endpoint MSE vs DDIM-16 (same noise): {dm['paired_endpoint_mse']:.4f}", flush=True)
        for ref in refs:
            s, f = dm[ref]["student_vs_teacher"], dm[ref]["teacher_vs_teacher"]
            print(f"vs teacher {ref}: energy {s['energy_distance']:.4f} (floor {f['energy_distance']:.4f}), variance "
                  f"ratio {s['variance_ratio']['ratio']:.3f} (floor {f['variance_ratio']['ratio']:.3f}), mode JS "
                  f"{s['mode_js_mean_bits']:.4f} bits (floor {f['mode_js_mean_bits']:.4f})", flush=True)
    result["wall_s"] = time.time() - t0
    (out / "match.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out / 'match.json'}")
    return 0
