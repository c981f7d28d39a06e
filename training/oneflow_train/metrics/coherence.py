"""Temporal coherence of executed actions (`distillation.md` §10): jerk, chunk-boundary discontinuity, within-chunk
smoothness. Pure numpy; positions in raw units (pixels) at the control rate."""
from __future__ import annotations

import numpy as np


def jerk(positions: np.ndarray, dt_s: float = 0.1) -> dict[str, float]:
    """Third finite difference of an executed position sequence (T, D), sampled every dt_s seconds.

    Returns the mean and RMS jerk magnitude in units/s³ (NaN when T < 4)."""
    p = np.asarray(positions, np.float64)
    if p.shape[0] < 4:
        return {"mean": float("nan"), "rms": float("nan")}
    j = np.linalg.norm(np.diff(p, n=3, axis=0), axis=-1) / dt_s ** 3
    return {"mean": float(j.mean()), "rms": float(np.sqrt((j ** 2).mean()))}


def chunk_boundary_discontinuity(chunks: np.ndarray, n_obs_steps: int = 2, n_action_steps: int = 8) -> dict[str, float]:
    """How far the next chunk's first executed action lands from what the previous chunk planned for that step.

    chunks (C, Ha, Da): consecutive predicted chunks of one episode; chunk i executes indices
    [To−1, To−1+n_action_steps), and chunk i+1 (predicted n_action_steps later) starts executing at its index To−1,
    the step chunk i had planned at index To−1+n_action_steps. Gaps are normalised by the median within-chunk step
    |a[k+1] − a[k]| over all chunks (BID / RTC style). Returns the mean normalised gap, the mean raw gap and that
    median step."""
    c = np.asarray(chunks, np.float64)
    start = n_obs_steps - 1
    if c.shape[1] <= start + n_action_steps:
        raise ValueError(f"horizon {c.shape[1]} too short: need > To-1+n_action_steps = {start + n_action_steps}")
    steps = np.linalg.norm(np.diff(c, axis=1), axis=-1)  # (C, Ha-1)
    med = float(np.median(steps))
    if c.shape[0] < 2:
        return {"normalised": float("nan"), "raw": float("nan"), "median_step": med}
    gaps = np.linalg.norm(c[1:, start] - c[:-1, start + n_action_steps], axis=-1)  # (C-1,)
    return {"normalised": float(gaps.mean() / max(med, 1e-12)), "raw": float(gaps.mean()), "median_step": med}


def within_chunk_smoothness(chunks: np.ndarray) -> float:
    """Mean squared second difference inside each chunk (C, Ha, Da) — lower is smoother."""
    c = np.asarray(chunks, np.float64)
    return float((np.diff(c, n=2, axis=1) ** 2).sum(-1).mean())
