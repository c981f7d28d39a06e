"""Push-T demonstrations, one import: loader, split, sequence dataset (see the modules for details)."""
from .dataset import PushTSequenceDataset
from .replay_buffer import (
    DEFAULT_ZARR_PATH,
    FINGERPRINTS,
    N_EPISODES,
    N_FRAMES,
    DatasetError,
    ReplayBuffer,
    fingerprint,
    load_replay_buffer,
)
from .sampler import create_indices, frame_indices, split_episodes

__all__ = [
    "DEFAULT_ZARR_PATH", "FINGERPRINTS", "N_EPISODES", "N_FRAMES", "DatasetError", "ReplayBuffer", "fingerprint",
    "load_replay_buffer", "create_indices", "frame_indices", "split_episodes", "PushTSequenceDataset",
]
