"""`oneflow-train fidelity`: the Push-T port vs the recorded demonstrations (reset, replay, rendering)."""
from __future__ import annotations

import json
import platform
import shlex
import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--zarr", default=None, help="dataset path (default: ../shared/data/pusht/pusht_cchi_v7_replay.zarr)")
    parser.add_argument("--episodes", default="0:206", help="episode range, e.g. 0:206 or 0-5")
    parser.add_argument("--no-images", action="store_true", help="skip the rendered-vs-recorded image comparison")
    parser.add_argument("--out", default="docs/results/fidelity.json", help="JSON with per-episode figures")
    parser.add_argument("--plot", default="docs/pusht_fidelity.png", help="histogram PNG ('' to skip)")


def _summary(values) -> dict:
    import numpy as np

    v = np.asarray(values, dtype=float)
    return {"median": float(np.median(v)), "p95": float(np.percentile(v, 95)), "max": float(v.max()), "mean": float(v.mean())}


def _plot(path: Path, per_episode: list[dict], with_images: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    keys = [("final_block_pos_err_px", "final block position error (px)"),
            ("final_block_angle_err_rad", "final block angle error (rad)"),
            ("max_coverage_diff", "max coverage: sim - recorded")]
    if with_images:
        keys.append(("image_mae_mean", "image MAE per episode (0-255)"))
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.4))
    for ax, (k, title) in zip(axes, keys):
        v = np.array([e[k] for e in per_episode])
        if k != "max_coverage_diff" and v.min() > 0:
            bins = np.logspace(np.log10(v.min()), np.log10(max(v.max(), v.min() * 1.01)), 30)
            ax.set_xscale("log")
        else:
            bins = 30
        ax.hist(v, bins=bins, color="#4169e1")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("episodes")
    fig.suptitle(f"Push-T replay of {len(per_episode)} demonstrations from reset(seed=i) (pymunk 7 port)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def run(args) -> int:
    import numpy as np
    import pymunk
    from tqdm import tqdm

    from ..data.pusht import load_replay_buffer
    from ..env.fidelity import replay_episode, reset_errors
    from .seed_range import parse_range

    buf = load_replay_buffer(args.zarr)
    episodes = parse_range(args.episodes)
    with_images = not args.no_images
    reset = reset_errors(buf, episodes)
    per_episode = []
    for i in tqdm(episodes, desc="replay", unit="ep"):
        r = replay_episode(buf, i, render=with_images)
        r.pop("image_mae_per_frame", None)
        per_episode.append(r)
    summary = {
        "reset_max_agent_err_px": float(reset["agent_px"].max()),
        "reset_max_block_err_px": float(reset["block_px"].max()),
        "reset_max_angle_err_rad": float(reset["angle_rad"].max()),
        "reset_episodes_within_1e-3": int(np.sum((reset["block_px"] < 1e-3) & (reset["agent_px"] < 1e-3))),
    }
    for k in ("final_block_pos_err_px", "final_block_angle_err_rad", "max_block_pos_err_px", "max_agent_pos_err_px",
              "max_coverage_diff", "n_contacts_agreement", "keypoint_err_vs_state_px", "keypoint_err_vs_setstate_px", "max_coverage_recorded", "reward_after_last_action_sim"):
        summary[k] = _summary([e[k] for e in per_episode])
    summary["abs_max_coverage_diff"] = _summary([abs(e["max_coverage_diff"]) for e in per_episode])
    if with_images:
        summary["image_mae_mean_per_episode"] = _summary([e["image_mae_mean"] for e in per_episode])
        summary["image_mae_max_frame"] = float(max(e["image_mae_max"] for e in per_episode))
        n = sum(e["n_frames"] for e in per_episode)
        summary["image_mae_all_frames"] = float(sum(e["image_mae_mean"] * e["n_frames"] for e in per_episode) / n)
    result = {
        "command": "oneflow-train " + shlex.join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("oneflow-train") else None,
        "dataset": str(buf.path), "episodes": args.episodes, "n_episodes": len(episodes),
        "versions": {"pymunk": pymunk.version, "python": platform.python_version()},
        "summary": summary, "per_episode": per_episode,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    if args.plot:
        _plot(Path(args.plot), per_episode, with_images)
    print(json.dumps(summary, indent=1))
    print(f"wrote {out}" + (f" and {args.plot}" if args.plot else ""))
    return 0
