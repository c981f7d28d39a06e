"""`oneflow-train data`: check the Push-T dataset (fingerprints, episodes, statistics, split, keypoints)."""
from __future__ import annotations

import json
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--zarr", default=None, help="dataset path (default ../shared/data/pusht/pusht_cchi_v7_replay.zarr "
                                                     "or $ONEFLOW_PUSHT_ZARR)")
    parser.add_argument("--images", action="store_true", help="also decode and fingerprint the images (~5 s, 0.7 GB)")
    parser.add_argument("--out", default=None, help="write the report as JSON")


def run(args) -> int:
    import numpy as np

    from ..data.keypoints import keypoints_from_state
    from ..data.pusht import FINGERPRINTS, DatasetError, load_replay_buffer, split_episodes

    buf = load_replay_buffer(args.zarr)
    got = buf.fingerprints(include_images=args.images)
    fp = {k: {"expected": FINGERPRINTS[k], "actual": v, "ok": v == FINGERPRINTS[k]} for k, v in got.items()}
    lengths = buf.episode_lengths
    train, val = split_episodes(buf.n_episodes)
    kp_err = np.linalg.norm(keypoints_from_state(buf.state.astype(np.float64)) - buf.keypoint, axis=-1).max(-1)
    no_contact = buf.n_contacts[:, 0] == 0
    report = {
        "path": str(buf.path),
        "n_episodes": buf.n_episodes,
        "n_frames": buf.n_frames,
        "fingerprints": fp,
        "episode_length": {"min": int(lengths.min()), "median": float(np.median(lengths)),
                           "mean": float(lengths.mean()), "max": int(lengths.max())},
        "action_min": buf.action.min(0).tolist(), "action_max": buf.action.max(0).tolist(),
        "agent_min": buf.state[:, :2].min(0).tolist(), "agent_max": buf.state[:, :2].max(0).tolist(),
        "split_dp_default": {"train": train.tolist(), "val": val.tolist()},
        "keypoints_from_state_err_px": {
            "median": float(np.median(kp_err)), "p99": float(np.percentile(kp_err, 99)), "max": float(kp_err.max()),
            "frac_below_1e-3": float(np.mean(kp_err < 1e-3)),
            "no_contact_frames_p99": float(np.percentile(kp_err[no_contact], 99)),
            "no_contact_frames_max": float(kp_err[no_contact].max()),
        },
    }
    print(f"{buf.path}: {buf.n_episodes} episodes, {buf.n_frames} frames, lengths {report['episode_length']}")
    for k, v in fp.items():
        print(f"  {k:13s} {v['actual']} {'ok' if v['ok'] else 'MISMATCH (expected ' + v['expected'] + ')'}")
    print(f"  DP split (seed 42): {len(train)} train, {len(val)} val {val.tolist()}")
    print(f"  keypoints_from_state vs recorded: {report['keypoints_from_state_err_px']}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.out}")
    if not all(v["ok"] for v in fp.values()):
        raise DatasetError(f"{buf.path}: fingerprint mismatch")
    return 0
