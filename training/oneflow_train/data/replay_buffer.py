"""The Diffusion Policy zarr replay buffer (Push-T demonstrations): load, validate, fingerprint.

Layout (DP README "ReplayBuffer"): `data/{img,state,keypoint,action,n_contacts}` stacked over all frames and
`meta/episode_ends` (exclusive end index of each episode). Low-dimensional arrays are read eagerly (~1 MB);
the 2.8 GB float32 image array is decoded lazily, chunk by chunk, into uint8 (25650x96x96x3 = 709 MB) on first use.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_ZARR_PATH = Path(
    os.environ.get("ONEFLOW_PUSHT_ZARR", REPO_ROOT.parent / "shared" / "data" / "pusht" / "pusht_cchi_v7_replay.zarr")
)
"""`../shared/data/pusht/pusht_cchi_v7_replay.zarr` relative to the repo root; override with env ONEFLOW_PUSHT_ZARR."""

N_EPISODES = 206
N_FRAMES = 25650
IMAGE_HW = (96, 96)

# per-frame trailing shape of each array under data/
FRAME_SHAPES: dict[str, tuple[int, ...]] = {
    "state": (5,),
    "action": (2,),
    "keypoint": (9, 2),
    "n_contacts": (1,),
    "img": (*IMAGE_HW, 3),
}

# sha256 prefix (16 hex) of the raw decoded bytes (/work/shared/data/pusht/README.md); "img" = img cast to uint8
FINGERPRINTS: dict[str, str] = {
    "episode_ends": "82db02e667c59a83",
    "action": "6691b085749144b8",
    "state": "dcdc539bfdba9fc0",
    "keypoint": "2419980734c1d410",
    "n_contacts": "3e4258a61c21da4a",
    "img": "65dd40b1f0e3ccce",
}


class DatasetError(ValueError):
    """A missing or malformed dataset; the message names the path and what is wrong."""


def fingerprint(array: np.ndarray) -> str:
    """sha256 prefix (16 hex digits) of an array's raw C-order bytes."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]


@dataclass
class ReplayBuffer:
    """All frames of all episodes. Low-dim arrays are float32 (n_frames, ...); `images` is uint8 (n_frames, 96, 96, 3)."""

    path: Path
    episode_ends: np.ndarray  # (n_episodes,) int64, exclusive
    state: np.ndarray  # (n_frames, 5) agent_x, agent_y, block_x, block_y, block_angle (rad, 0..2pi)
    action: np.ndarray  # (n_frames, 2) commanded agent target x, y (px)
    keypoint: np.ndarray  # (n_frames, 9, 2) recorded block keypoints (px)
    n_contacts: np.ndarray  # (n_frames, 1)
    _images: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_episodes(self) -> int:
        return len(self.episode_ends)

    @property
    def n_frames(self) -> int:
        return int(self.episode_ends[-1])

    @property
    def episode_starts(self) -> np.ndarray:
        return np.concatenate([[0], self.episode_ends[:-1]]).astype(np.int64)

    @property
    def episode_lengths(self) -> np.ndarray:
        return np.diff(np.concatenate([[0], self.episode_ends]))

    def episode_slice(self, episode: int) -> slice:
        if not 0 <= episode < self.n_episodes:
            raise IndexError(f"episode {episode} out of range [0, {self.n_episodes}) in {self.path}")
        return slice(int(self.episode_starts[episode]), int(self.episode_ends[episode]))

    def episode(self, episode: int, with_image: bool = False) -> dict[str, np.ndarray]:
        """One episode's arrays (views): state, action, keypoint, n_contacts (+ img uint8)."""
        sl = self.episode_slice(episode)
        out = {k: getattr(self, k)[sl] for k in ("state", "action", "keypoint", "n_contacts")}
        if with_image:
            out["img"] = self.images[sl]
        return out

    @property
    def images(self) -> np.ndarray:
        """uint8 (n_frames, 96, 96, 3) RGB; decoded from the zarr on first access (~5 s, 709 MB)."""
        if self._images is None:
            self._images = _read_images_uint8(self.path)
        return self._images

    def read_images(self, start: int, stop: int) -> np.ndarray:
        """uint8 frames [start, stop) straight from the zarr (no full decode; uses the cache if already loaded)."""
        if self._images is not None:
            return self._images[start:stop]
        return np.asarray(_open_group(self.path)["data/img"][start:stop]).astype(np.uint8)

    def fingerprints(self, include_images: bool = False) -> dict[str, str]:
        """Actual fingerprints of the decoded arrays (images cast to uint8 only when asked: it decodes them)."""
        out = {
            "episode_ends": fingerprint(self.episode_ends),
            "action": fingerprint(self.action),
            "state": fingerprint(self.state),
            "keypoint": fingerprint(self.keypoint),
            "n_contacts": fingerprint(self.n_contacts),
        }
        if include_images:
            out["img"] = fingerprint(self._images) if self._images is not None else _stream_image_fingerprint(self.path)
        return out

    def check_fingerprints(self, include_images: bool = False) -> None:
        """Raise DatasetError listing every array whose fingerprint differs from FINGERPRINTS."""
        bad = [
            f"{k}: expected {FINGERPRINTS[k]}, got {v}"
            for k, v in self.fingerprints(include_images).items()
            if v != FINGERPRINTS[k]
        ]
        if bad:
            raise DatasetError(f"{self.path}: fingerprint mismatch (not the DP pusht_cchi_v7 set?): " + "; ".join(bad))


def _open_group(path: Path):
    import zarr

    if not path.exists():
        raise DatasetError(
            f"{path}: dataset not found (set ONEFLOW_PUSHT_ZARR or pass the path of pusht_cchi_v7_replay.zarr)"
        )
    try:
        return zarr.open_group(str(path), mode="r")
    except Exception as exc:  # zarr raises several types for a non-group
        raise DatasetError(f"{path}: not a readable zarr v2 group ({type(exc).__name__}: {exc})") from exc


def _read_images_uint8(path: Path) -> np.ndarray:
    arr = _open_group(path)["data/img"]
    out = np.empty(arr.shape, np.uint8)
    step = arr.chunks[0] * 8
    for start in range(0, arr.shape[0], step):
        out[start : start + step] = arr[start : start + step]  # float32 0..255 integers -> uint8 (exact)
    return out


def _stream_image_fingerprint(path: Path) -> str:
    """fingerprint(images as uint8) without holding all frames in memory (sha256 over chunks in order)."""
    arr = _open_group(path)["data/img"]
    h = hashlib.sha256()
    step = arr.chunks[0] * 8
    for start in range(0, arr.shape[0], step):
        h.update(np.ascontiguousarray(arr[start : start + step].astype(np.uint8)).tobytes())
    return h.hexdigest()[:16]


def load_replay_buffer(
    path: str | os.PathLike | None = None,
    expected_episodes: int | None = N_EPISODES,
    load_images: bool = False,
) -> ReplayBuffer:
    """Read and validate a DP zarr replay buffer; images are decoded lazily unless load_images.

    Checks: the path exists and is a zarr group; `meta/episode_ends` and every `data/*` array exist; every array has
    the same number of frames with the expected per-frame shape; episode_ends is strictly increasing and ends at
    n_frames; the episode count equals `expected_episodes` (206 for pusht_cchi_v7; None skips that check, for
    test fixtures). Any failure raises DatasetError naming the path and the problem.
    """
    path = Path(DEFAULT_ZARR_PATH if path is None else path)
    if path.suffix == ".npz":  # a zarr-free copy (`train-teacher --export-npz`), for machines without zarr
        return load_npz(path)
    group = _open_group(path)
    try:
        ends = group["meta/episode_ends"]
    except KeyError:
        raise DatasetError(f"{path}: missing array meta/episode_ends") from None
    arrays = {}
    for name, frame_shape in FRAME_SHAPES.items():
        try:
            arrays[name] = group[f"data/{name}"]
        except KeyError:
            raise DatasetError(f"{path}: missing array data/{name}") from None
        if tuple(arrays[name].shape[1:]) != frame_shape:
            raise DatasetError(
                f"{path}: data/{name} has shape {tuple(arrays[name].shape)}, expected (n_frames, {', '.join(map(str, frame_shape))})"
            )
    episode_ends = np.asarray(ends[:])
    if episode_ends.ndim != 1 or len(episode_ends) == 0 or not np.issubdtype(episode_ends.dtype, np.integer):
        raise DatasetError(f"{path}: meta/episode_ends must be a non-empty 1-D integer array, got {episode_ends.shape} {episode_ends.dtype}")
    if np.any(np.diff(np.concatenate([[0], episode_ends])) <= 0):
        raise DatasetError(f"{path}: meta/episode_ends is not strictly increasing from 0: {episode_ends[:8]}...")
    n_frames = int(episode_ends[-1])
    for name, arr in arrays.items():
        if arr.shape[0] != n_frames:
            raise DatasetError(
                f"{path}: data/{name} has {arr.shape[0]} frames but meta/episode_ends ends at {n_frames}"
            )
    if expected_episodes is not None and len(episode_ends) != expected_episodes:
        raise DatasetError(
            f"{path}: {len(episode_ends)} episodes, expected {expected_episodes} "
            "(an older 151-episode copy exists under the same name; check the fingerprints)"
        )
    buf = ReplayBuffer(
        path=path,
        episode_ends=episode_ends.astype(np.int64),
        state=np.asarray(arrays["state"][:], np.float32),
        action=np.asarray(arrays["action"][:], np.float32),
        keypoint=np.asarray(arrays["keypoint"][:], np.float32),
        n_contacts=np.asarray(arrays["n_contacts"][:], np.float32),
    )
    if load_images:
        _ = buf.images
    return buf


# ---- zarr-free .npz copy (`oneflow-train train-teacher --export-npz FILE [--with-images]`) -------------------
NPZ_KEYS = ("episode_ends", "state", "action", "keypoint", "n_contacts")


def export_npz(buffer: ReplayBuffer, path: str | Path, with_images: bool) -> Path:
    arrays = {k: getattr(buffer, k) for k in NPZ_KEYS}
    if with_images:
        arrays["img"] = buffer.images
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return path


def load_npz(path: str | Path) -> ReplayBuffer:
    path = Path(path)
    with np.load(path) as z:
        missing = [k for k in NPZ_KEYS if k not in z]
        if missing:
            raise ValueError(f"{path}: npz lacks arrays {missing}; has {list(z.keys())}")
        arrays = {k: z[k] for k in NPZ_KEYS}
        images = z["img"] if "img" in z else None
    return ReplayBuffer(path=path, **arrays, _images=images)
