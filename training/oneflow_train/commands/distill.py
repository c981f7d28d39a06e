"""`oneflow-train distill --teacher <ckpt-dir> --config <student.json> --out runs/<name>`: OneFlow-DP distillation.

Overrides: `--set loss.velocity_target=instantaneous --set epochs=5` (values parsed as JSON when they parse, else
taken as strings). Writes checkpoints (EMA) under <out>/checkpoints/ (each rolled out one-step on the validation
seeds), <out>/final, resume.pt, loss_curve.png, epochs.jsonl, summary.json. `--resume <out>` continues a run that a
time budget (or a crash) stopped, from <out>/resume.pt, with the saved teacher and config (`--set` may change only
time_budget_s, resume_every_steps, val_workers). `--ablations <file.json>` instead runs every variant of that file (as
subprocesses, --parallel at a time) and evaluates each one-step student on --eval-seeds (the validation range by
default): <out>/ablations.{json,md}.
"""
from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from ..config_overrides import apply_overrides

__all__ = ["add_arguments", "apply_overrides", "run"]


def add_arguments(parser) -> None:
    parser.add_argument("--method", default="oneflow", choices=("oneflow", "onedp", "cp"),
                        help="oneflow (OneFlow-DP, default) | onedp (OneDP baseline, docs/baselines.md; `--set variant=S|D`) "
                             "| cp (Consistency Policy baseline, docs/baselines.md)")
    parser.add_argument("--teacher", help="teacher checkpoint directory (kind 'teacher'); not with --resume")
    parser.add_argument("--config", help="distillation config JSON (training/configs/student_*.json); not with --resume")
    parser.add_argument("--out", help="output run directory (runs/...)")
    parser.add_argument("--resume", default=None, metavar="RUN_DIR",
                        help="continue the run in RUN_DIR from its resume.pt (same teacher, same config)")
    parser.add_argument("--device", default="cpu", help="torch device: cpu | cuda | cuda:N (default cpu)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config field; dotted keys reach into 'loss' (repeatable)")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (CPU)")
    parser.add_argument("--bench-trajectories", default=None, metavar="B1,B2",
                        help="only time the teacher's PF-ODE solves at these batch sizes (online vs per-epoch chunks)")
    parser.add_argument("--ablations", default=None, help="ablation file (training/configs/student_*_ablations.json)")
    parser.add_argument("--parallel", type=int, default=1, help="ablation variants trained at once")
    parser.add_argument("--eval-seeds", default="val",
                        help="ablations: one-step evaluation seeds (default: the `val` set 200000:200200; never select on test seeds)")
    parser.add_argument("--eval-workers", type=int, default=2, help="ablations: evaluation worker processes")


def run(args) -> int:
    import torch

    from ..distill import DistillConfig, distill

    missing = [f"--{n}" for n in ("teacher", "config", "out") if not getattr(args, n)]
    if missing and not args.resume:
        print(f"distill needs {', '.join(missing)} (or --resume RUN_DIR)", file=sys.stderr)
        return 2
    if args.method == "onedp":
        from ..baselines.onedp_distill import run_cli
        return run_cli(args)
    if args.method == "cp":
        from ..baselines.cp_distill import run_cp
        return run_cp(args)
    if args.ablations:
        from ..distill_ablations import run_ablations
        return run_ablations(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.bench_trajectories:
        return bench_trajectories(args)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"--device {args.device} requested but torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    command = "oneflow-train distill " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    if args.resume:
        from ..distill_resume import load_resume_state

        if args.teacher or args.config or (args.out and args.out != args.resume):
            print("--resume takes the teacher, config and run directory from RUN_DIR/resume.pt; drop --teacher, "
                  "--config and --out", file=sys.stderr)
            return 2
        saved = load_resume_state(Path(args.resume))
        cfg = DistillConfig.from_dict(apply_overrides(saved["config"], args.set))
        teacher, out = saved["teacher_dir"], args.resume
    else:
        cfg = DistillConfig.from_dict(apply_overrides(json.loads(Path(args.config).read_text()), args.set))
        teacher, out = args.teacher, args.out
    summary = distill(teacher, cfg, out, device=args.device, command=command, resume=bool(args.resume))
    if not summary["complete"]:
        print(f"stopped at step {summary['steps']}/{summary['planned_steps']}: {summary['resume']}")
        return 0
    last = summary["epochs"][-1]
    best = summary.get("best_snapshot")
    print(f"done: {summary['steps']} steps in {summary['wall_s']:.0f} s; final val endpoint MSE "
          f"{last['val_endpoint_mse']:.4f}; checkpoint {summary['final']}"
          + (f"; validation seeds prefer epoch {best['epoch']} ({best['mean_score']:.3f} ± {best['mean_score_se']:.3f})"
             if best else ""))
    return 0


def bench_trajectories(args) -> int:
    """Time `distill.solve_teacher` (16-step PF-ODE) per trajectory at each batch size, twice (cold, warm)."""
    import time

    import torch

    from ..checkpoint import load_checkpoint
    from ..distill import DistillConfig, solve_teacher
    from ..sampling import ddim_timesteps

    cfg = DistillConfig.from_dict(apply_overrides(json.loads(Path(args.config).read_text()), args.set))
    teacher = load_checkpoint(args.teacher, args.device)
    ks = ddim_timesteps(cfg.teacher_steps, teacher.config.num_train_timesteps)
    rows = []
    for B in [int(b) for b in args.bench_trajectories.split(",")]:
        for rep in ("cold", "warm"):
            state = torch.rand(B, teacher.config.n_obs_steps, 5, device=args.device) * 400 + 50
            t0 = time.perf_counter()
            solve_teacher(teacher, state, None, torch.randn(B, teacher.config.horizon, teacher.config.action_dim,
                                                             device=args.device), ks)
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            dt = time.perf_counter() - t0
            rows.append({"batch": B, "run": rep, "threads": torch.get_num_threads(), "s": dt, "ms_per_traj": 1e3 * dt / B})
            print(json.dumps(rows[-1]), flush=True)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "bench_trajectories.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0
