"""Per-key min-max normaliser to [-1, 1] (DP `LinearNormalizer`, mode "limits"), numpy and torch, JSON-serialisable.

y = x * scale + offset with scale = 2 / (max - min), offset = -1 - scale * min. Features whose range is below
`range_eps` (1e-4, DP's default) get scale 1 and are centred on 0, as DP does. Stats have the per-sample feature
shape of the fitted array (e.g. (5,) for state, (9, 2) for keypoints). Images are not fit: use `normalize_image`.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

RANGE_EPS = 1e-4


class Normalizer:
    def __init__(self, params: Mapping[str, Mapping[str, Any]] | None = None):
        self.params: dict[str, dict[str, np.ndarray]] = {}
        for key, p in (params or {}).items():
            self.params[key] = {k: np.asarray(v, np.float64) for k, v in p.items()}

    def fit(self, data: Mapping[str, np.ndarray], range_eps: float = RANGE_EPS) -> "Normalizer":
        """Fit every key on arrays (n_samples, *feature_shape); returns self."""
        for key, arr in data.items():
            arr = np.asarray(arr, np.float64)
            lo, hi = arr.min(axis=0), arr.max(axis=0)
            rng = hi - lo
            flat = rng < range_eps
            scale = np.where(flat, 1.0, 2.0 / np.where(flat, 1.0, rng))
            offset = np.where(flat, -lo, -1.0 - scale * lo)
            self.params[key] = {"min": lo, "max": hi, "scale": scale, "offset": offset}
        return self

    def _get(self, key: str, x):
        if key not in self.params:
            raise KeyError(f"normaliser has no key {key!r}; fitted keys: {sorted(self.params)}")
        p = self.params[key]
        if type(x).__module__.startswith("torch"):
            import torch

            return (torch.as_tensor(p["scale"], dtype=x.dtype, device=x.device),
                    torch.as_tensor(p["offset"], dtype=x.dtype, device=x.device))
        dtype = x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64
        return p["scale"].astype(dtype), p["offset"].astype(dtype)

    def normalize(self, key: str, x):
        """Raw -> [-1, 1]; x (..., *feature_shape), numpy or torch (result keeps type/dtype/device)."""
        scale, offset = self._get(key, x)
        return x * scale + offset

    def unnormalize(self, key: str, x):
        scale, offset = self._get(key, x)
        return (x - offset) / scale

    @staticmethod
    def normalize_image(image):
        """uint8 (any shape) -> float in [0, 1] (x / 255); torch or numpy."""
        if type(image).__module__.startswith("torch"):
            return image.float() / 255.0
        return np.asarray(image, np.float32) / 255.0

    def keys(self) -> list[str]:
        return list(self.params)

    def to_dict(self) -> dict[str, dict[str, list]]:
        return {k: {n: v.tolist() for n, v in p.items()} for k, p in self.params.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Mapping[str, Any]]) -> "Normalizer":
        return cls(d)
