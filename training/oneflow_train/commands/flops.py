"""`oneflow-train flops <checkpoint> --sampler S`: FLOPs per inference by forward hooks (see oneflow_train/flops.py)."""
from __future__ import annotations

import json


def add_arguments(parser) -> None:
    parser.add_argument("checkpoint", help="checkpoint directory (config.json, model.safetensors, normalizer.json)")
    parser.add_argument("--sampler", required=True, help="ddpm100 | ddim:N (teacher) | onestep | twostep (student)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    import numpy as np
    import torch

    from ..checkpoint import load_checkpoint
    from ..export import sampler_facts, teacher_of
    from ..flops import count_flops

    torch.set_num_threads(1)
    policy = load_checkpoint(args.checkpoint)
    cfg = teacher_of(policy).config
    method, calls, S = sampler_facts(policy, args.sampler)
    state = np.array([[[222.0, 97.0, 300.0, 300.0, 0.7], [225.0, 101.0, 300.0, 300.0, 0.7]]], np.float32)[:, : cfg.n_obs_steps]
    noise = np.random.default_rng(0).standard_normal((1, S, cfg.horizon, cfg.action_dim)).astype(np.float32)
    image = np.zeros((1, cfg.n_obs_steps, 96, 96, 3), np.uint8) if cfg.uses_image else None
    count = count_flops(policy, args.sampler, state, noise, image)
    result = {"checkpoint": str(args.checkpoint), "sampler": args.sampler, "method": method,
              "network_calls_per_inference": calls, "flops_per_inference": count.total,
              "by_module_type": count.by_module_type, "module_calls": count.module_calls}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.checkpoint} [{args.sampler}]: {count.total:,} FLOPs per inference "
              f"({count.total / 1e9:.3f} GFLOP, {calls} network calls); by type {count.by_module_type}")
    return 0
