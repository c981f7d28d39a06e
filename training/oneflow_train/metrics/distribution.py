"""Distribution match between a student's and a teacher's samples for the same observations (`distillation.md` §10).

Inputs are per-observation sample sets: arrays (M observations, K samples, D features), normalised action units.
Every function returns plain floats/arrays so results go straight into JSON.
"""
from __future__ import annotations

import numpy as np


def _dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix (n, m) between rows of a (n, d) and b (m, d)."""
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(d2, 0.0))


def _offdiag_mean(m: np.ndarray) -> float:
    n = m.shape[0]
    return float((m.sum() - np.trace(m)) / (n * (n - 1)))


def energy_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased energy distance 2E|X−Y| − E|X−X'| − E|Y−Y'| between samples x (n, d) and y (m, d); ≈ 0 iff same law."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return 2.0 * float(_dists(x, y).mean()) - _offdiag_mean(_dists(x, x)) - _offdiag_mean(_dists(y, y))


def mmd_rbf(x: np.ndarray, y: np.ndarray, bandwidth: float | None = None) -> float:
    """Unbiased MMD² with an RBF kernel; bandwidth = median pooled pairwise distance when None (median heuristic)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    dxx, dyy, dxy = _dists(x, x), _dists(y, y), _dists(x, y)
    if bandwidth is None:
        pooled = np.concatenate([dxx[np.triu_indices_from(dxx, 1)], dyy[np.triu_indices_from(dyy, 1)], dxy.ravel()])
        bandwidth = float(np.median(pooled)) or 1.0
    k = lambda d: np.exp(-(d ** 2) / (2.0 * bandwidth ** 2))  # noqa: E731
    return _offdiag_mean(k(dxx)) + _offdiag_mean(k(dyy)) - 2.0 * float(k(dxy).mean())


def variance_ratio(student: np.ndarray, teacher: np.ndarray) -> dict[str, float]:
    """Sample-variance ratio student/teacher. Inputs (M, K, D); per observation the total variance is the sum over
    features of the variance across the K samples. Returns the ratio of the means over observations (headline) and
    the median of the per-observation ratios."""
    vs = np.asarray(student, np.float64).var(axis=1, ddof=1).sum(-1)  # (M,)
    vt = np.asarray(teacher, np.float64).var(axis=1, ddof=1).sum(-1)
    return {"ratio": float(vs.mean() / vt.mean()), "median_per_obs_ratio": float(np.median(vs / np.maximum(vt, 1e-12))),
            "student_var": float(vs.mean()), "teacher_var": float(vt.mean())}


def kmeans(x: np.ndarray, k: int, seed: int = 0, iters: int = 50) -> np.ndarray:
    """Plain k-means (k-means++ initialisation, Lloyd iterations) on x (n, d); returns centroids (k, d)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, np.float64)
    cents = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d2 = np.min(_dists(x, np.stack(cents)) ** 2, axis=1)
        p = d2 / d2.sum() if d2.sum() > 0 else np.full(len(x), 1.0 / len(x))
        cents.append(x[rng.choice(len(x), p=p)])
    c = np.stack(cents)
    for _ in range(iters):
        lab = _dists(x, c).argmin(1)
        new = np.stack([x[lab == j].mean(0) if np.any(lab == j) else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return c


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence in bits (0 … 1) between two histograms (normalised here)."""
    p = np.asarray(p, np.float64) / np.sum(p)
    q = np.asarray(q, np.float64) / np.sum(q)
    m = 0.5 * (p + q)
    kl = lambda a, b: float(np.sum(np.where(a > 0, a * np.log2(np.where(a > 0, a, 1.0) / b), 0.0)))  # noqa: E731
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def mode_histograms(student: np.ndarray, teacher: np.ndarray, n_modes: int = 4, seed: int = 0) -> dict:
    """Mode histograms per observation: k-means (n_modes) on the TEACHER's samples of that observation, every sample
    assigned to its nearest teacher mode, modes ranked by teacher mass (rank 0 = the teacher's main mode).

    Inputs (M, K, F) features (e.g. chunk endpoints, F = 2). Returns the per-observation JS divergences (bits), their
    mean (headline), and the pooled rank histograms of both (M·K samples each) with their JS divergence."""
    student, teacher = np.asarray(student, np.float64), np.asarray(teacher, np.float64)
    if student.shape[0] != teacher.shape[0]:
        raise ValueError(f"student and teacher need the same observations, got {student.shape} vs {teacher.shape}")
    js, hs_all, ht_all = [], np.zeros(n_modes), np.zeros(n_modes)
    for m in range(teacher.shape[0]):
        c = kmeans(teacher[m], n_modes, seed=seed + m)
        ht = np.bincount(_dists(teacher[m], c).argmin(1), minlength=n_modes).astype(np.float64)
        hs = np.bincount(_dists(student[m], c).argmin(1), minlength=n_modes).astype(np.float64)
        order = np.argsort(-ht, kind="stable")
        ht, hs = ht[order], hs[order]
        js.append(js_divergence(hs, ht))
        hs_all += hs
        ht_all += ht
    return {"js_mean": float(np.mean(js)), "js_per_obs": [float(v) for v in js],
            "hist_student": (hs_all / hs_all.sum()).tolist(), "hist_teacher": (ht_all / ht_all.sum()).tolist(),
            "js_pooled": js_divergence(hs_all, ht_all)}
