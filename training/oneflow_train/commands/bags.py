"""`oneflow-train bags`: write dataset episodes as rosbag2 MCAP bags (PyPI rosbags, not our TS writer)."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--episodes", required=True,
                        help="episode indices: comma-separated (18,205), ranges (0:5 = 0..4), or 'val' "
                             "(the validation episodes of the default split)")
    parser.add_argument("--out", required=True, help="output folder; one bag directory pusht_epNNN per episode")
    parser.add_argument("--zarr", default=None, help="dataset path (default: the shared Push-T zarr)")


def parse_episodes(text: str) -> list[int]:
    """'18,205' -> [18, 205]; '0:3' -> [0, 1, 2]; 'val' -> the default split's validation episodes."""
    out: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part == "val":
            from oneflow_train.data.pusht import N_EPISODES
            from oneflow_train.data.sampler import split_episodes

            out.extend(int(i) for i in split_episodes(N_EPISODES)[1])
        elif ":" in part:
            lo, hi = part.split(":", 1)
            out.extend(range(int(lo), int(hi)))
        else:
            out.append(int(part))
    if not out:
        raise ValueError(text)
    return out


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from oneflow_train.bags import load_episode, write_episode_bag

    zarr_path = args.zarr
    if zarr_path is None:
        from oneflow_train.data.pusht import DEFAULT_ZARR_PATH
        zarr_path = DEFAULT_ZARR_PATH
    try:
        episodes = parse_episodes(str(args.episodes))
    except ValueError:
        print(f"--episodes must be indices (18,205), ranges (0:5) or 'val', got {args.episodes!r}")
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for index in tqdm(episodes, desc="bags", unit="episode"):
        try:
            ep = load_episode(zarr_path, index)
            bag = write_episode_bag(ep, out / f"pusht_ep{index:03d}")
        except (ValueError, FileExistsError) as err:
            print(f"oneflow-train bags: {err}")
            return 2
        size = sum(f.stat().st_size for f in bag.iterdir())
        tqdm.write(f"{bag}: episode {index}, {len(ep.state)} steps, {size / 1e6:.2f} MB")
    return 0
