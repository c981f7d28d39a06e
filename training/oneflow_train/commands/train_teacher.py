"""`oneflow-train train-teacher --config training/configs/teacher_keypoints_cpu.json [--run-dir runs/X]`.

Also: `--bench` (ms per training step, synthetic batches), `--export-npz FILE [--with-images]` (zarr -> npz copy
of the replay buffer for machines without zarr) and `--data-npz FILE` (train from such a copy).
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="teacher JSON config: {'policy': TeacherConfig, 'train': TrainConfig}")
    parser.add_argument("--run-dir", help="output directory (default runs/<policy name>)")
    parser.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:0 …")
    parser.add_argument("--zarr", default=None, help="replay buffer path (default: the shared Push-T zarr)")
    parser.add_argument("--data-npz", default=None, help="train from an --export-npz copy instead of the zarr")
    parser.add_argument("--export-npz", default=None, metavar="FILE", help="write the replay buffer as .npz and exit")
    parser.add_argument("--with-images", action="store_true", help="with --export-npz: include images (uint8)")
    parser.add_argument("--no-resume", action="store_true", help="ignore run_dir/latest/train_state.pt")
    parser.add_argument("--total-steps", type=int, default=None, help="override train.total_steps")
    parser.add_argument("--batch-size", type=int, default=None, help="override train.batch_size")
    parser.add_argument("--stop-after-steps", type=int, default=None, help="run this many steps, checkpoint, exit")
    parser.add_argument("--time-budget-s", type=float, default=None,
                        help="end this segment (resumable: latest/train_state.pt) before a step would overrun this wall time")
    parser.add_argument("--episodes", default=None, help="comma-separated episode list instead of the DP split")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default train.num_threads)")
    parser.add_argument("--bench", action="store_true", help="measure ms per training step and exit")
    parser.add_argument("--bench-steps", type=int, default=5)


def run(args: argparse.Namespace) -> int:
    import dataclasses

    import torch

    from ..teacher_data import export_npz, fit_normalizer, load_buffer, make_teacher_data
    from ..train_teacher import load_config_file, train

    if args.export_npz:
        buf = load_buffer(args.zarr, None)
        path = export_npz(buf, args.export_npz, args.with_images)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {buf.n_episodes} episodes, images={args.with_images})")
        return 0
    if not args.config:
        print("--config is required (e.g. training/configs/teacher_keypoints_cpu.json)", file=sys.stderr)
        return 2
    policy_cfg, cfg = load_config_file(args.config)
    overrides = {k: v for k, v in (("total_steps", args.total_steps), ("batch_size", args.batch_size)) if v is not None}
    cfg = dataclasses.replace(cfg, **overrides)
    torch.set_num_threads(args.threads or cfg.num_threads)
    if args.bench:
        from ..teacher_bench import bench_train_step

        print(json.dumps(bench_train_step(policy_cfg, cfg.batch_size, args.bench_steps, device=args.device)))
        return 0
    buf = load_buffer(args.zarr, args.data_npz)
    episodes = [int(e) for e in args.episodes.split(",")] if args.episodes else None
    data = make_teacher_data(policy_cfg, buf, cfg.max_train_episodes, cfg.val_ratio, cfg.split_seed, episodes)
    normalizer = fit_normalizer(policy_cfg, buf)
    run_dir = Path(args.run_dir or Path("runs") / policy_cfg.name)
    command = "oneflow-train train-teacher " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if len(sys.argv) > 1 else ""
    extra = {"dataset": str(buf.path), "command": command, "config_file": str(args.config)}
    print(f"{policy_cfg.name}: {len(data)} training windows from {len(data.train_episodes)} episodes "
          f"(val {data.val_episodes.tolist()}), {cfg.total_steps} steps of batch {cfg.batch_size} "
          f"on {args.device}, run dir {run_dir}", file=sys.stderr)
    train(policy_cfg, cfg, data, normalizer, run_dir, args.device, resume=not args.no_resume, extra=extra,
          stop_after_steps=args.stop_after_steps, time_budget_s=args.time_budget_s)
    return 0
