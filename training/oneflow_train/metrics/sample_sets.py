"""Distribution match of a student against its teacher on held-out observations (`distillation.md` §10).

For M observations × K noise draws each, sample action chunks from the student (one step) and from the teacher
(DDIM-16 = the PF-ODE it was distilled from, and DDPM-100 = the teacher as deployed), all in normalised action units,
then compare per observation: energy distance and MMD on the flattened (Ha·Da) chunks, the sample-variance ratio,
mode histograms of the chunk endpoints (k-means on the teacher's samples) with their JS divergence.

Like with like: the student's set is compared with a REFERENCE teacher set drawn from independent noise (seed + 1).
The finite-sample floor compares a TWIN teacher set, drawn exactly as the student's set was drawn, with the same
reference: when the sampler's noise has the student's shape (DDIM-16) the twin uses the student's own noise, so a
student equal to the teacher's ODE scores exactly the floor, and the twin also gives the paired endpoint MSE
(student vs teacher from the same noise); otherwise (DDPM-100) the twin is one more independent draw (seed + 2).
Before, the student's set was compared with a teacher set from its own noise while the floor used independent draws:
paired samples sit closer than independent ones, so the student's figures were flattered relative to the floor.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .distribution import energy_distance, mmd_rbf, mode_histograms, variance_ratio

SampleFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (state (N,To,5), noise (N,S,Ha,Da)) -> raw (N,Ha,Da)


@torch.no_grad()
def draw(sample_fn: SampleFn, normalize: Callable, states: torch.Tensor, n_draws: int, noise_shape: tuple[int, ...],
         seed: int, batch: int = 4096, noise: torch.Tensor | None = None) -> tuple[np.ndarray, torch.Tensor]:
    """(M, K, Ha, Da) normalised samples and the noise used, (M·K, *noise_shape), observation-major.

    noise: use this (M·K, *noise_shape) noise instead of drawing it from `seed`."""
    M = states.shape[0]
    if noise is None:
        noise = torch.randn((M * n_draws, *noise_shape), generator=torch.Generator().manual_seed(seed))
    elif tuple(noise.shape) != (M * n_draws, *noise_shape):
        raise ValueError(f"noise shape {tuple(noise.shape)} != (M·K, *noise_shape) = {(M * n_draws, *noise_shape)}")
    rep = states.repeat_interleave(n_draws, 0)
    out = []
    for i in range(0, M * n_draws, batch):
        out.append(normalize(sample_fn(rep[i:i + batch], noise[i:i + batch].to(states.device))).cpu())
    return torch.cat(out).reshape(M, n_draws, *out[0].shape[1:]).numpy(), noise


def compare(student: np.ndarray, teacher: np.ndarray, n_modes: int = 4) -> dict[str, Any]:
    """All distribution metrics between two (M, K, Ha, Da) sample sets (per observation, then averaged)."""
    M = student.shape[0]
    flat_s, flat_t = student.reshape(M, student.shape[1], -1), teacher.reshape(M, teacher.shape[1], -1)
    modes = mode_histograms(student[:, :, -1], teacher[:, :, -1], n_modes=n_modes)
    return {
        "energy_distance": float(np.mean([energy_distance(flat_s[m], flat_t[m]) for m in range(M)])),
        "mmd_rbf": float(np.mean([mmd_rbf(flat_s[m], flat_t[m]) for m in range(M)])),
        "variance_ratio": variance_ratio(flat_s, flat_t),
        "mode_js_mean_bits": modes["js_mean"], "mode_js_pooled_bits": modes["js_pooled"],
        "mode_hist_student": modes["hist_student"], "mode_hist_teacher": modes["hist_teacher"],
    }


def distribution_match(student, teacher, states: torch.Tensor, n_draws: int = 64, seed: int = 0,
                       references: dict[str, int] | None = None, n_modes: int = 4) -> dict[str, Any]:
    """student: OneFlowStudentPolicy, teacher: TeacherPolicy (both eval, same device as states (M, To, 5) raw).

    references: teacher sampler -> number of observations to compare on (the first of M spread evenly; DDPM-100
    costs 100 calls per draw). Per reference: `student_vs_teacher` = student set vs an independent reference set,
    `teacher_vs_teacher` = the twin set vs the same reference (the floor, see the module docstring), and, when the
    twin shares the student's noise, `paired_endpoint_mse` (also at the top level for DDIM-16)."""
    references = references or {"ddim:16": states.shape[0], "ddpm100": states.shape[0]}
    Ha, Da = student.config.backbone.horizon, student.config.backbone.action_dim
    s_shape = (1, Ha, Da)
    norm = teacher.normalize_action
    s_samples, s_noise = draw(lambda st, n: student.sample(st, None, n, 1), norm, states, n_draws, s_shape, seed)
    out: dict[str, Any] = {"n_obs": int(states.shape[0]), "n_draws": n_draws, "n_modes": n_modes, "features":
                           "flattened 16x2 chunk (energy, MMD, variance); chunk endpoint a[15] (modes)",
                           "units": "normalised actions [-1, 1]", "js_base": 2, "samples": {"student": s_samples}}
    for ref, n_obs in references.items():
        sel = np.unique(np.linspace(0, states.shape[0] - 1, n_obs).round().astype(int))
        st = states[torch.from_numpy(sel).to(states.device)]
        S = tuple(teacher.noise_shape(ref))
        def fn(st, n, r=ref):
            return teacher.sample(st, None, n, r)
        t_ref, _ = draw(fn, norm, st, n_draws, S, seed + 1)
        s_sel = s_samples[sel]
        shared = S == s_shape
        if shared:  # the teacher's twin of the student set: same observations, same noise
            twin_noise = s_noise.reshape(states.shape[0], n_draws, *S)[torch.from_numpy(sel)].reshape(-1, *S)
            t_twin, _ = draw(fn, norm, st, n_draws, S, seed, noise=twin_noise)
        else:
            t_twin, _ = draw(fn, norm, st, n_draws, S, seed + 2)
        out[ref] = {"n_obs": len(sel), "student_vs_teacher": compare(s_sel, t_ref, n_modes),
                    "teacher_vs_teacher": compare(t_twin, t_ref, n_modes),
                    "floor": "teacher twin set (the student's noise)" if shared else "teacher twin set (independent)"}
        if shared:
            out[ref]["paired_endpoint_mse"] = float(((s_sel - t_twin) ** 2).mean())
            if ref == "ddim:16":
                out["paired_endpoint_mse"] = out[ref]["paired_endpoint_mse"]
        out["samples"][ref] = t_ref
        out["samples"][ref + "_obs"] = sel
    return out


def plot_samples(result: dict[str, Any], path: str, n_show: int = 4) -> None:
    """Per observation: teacher DDIM-16, DDPM-100 and student chunks (first 32 draws) + pooled mode histograms."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = result["samples"]
    refs = [k for k in ("ddim:16", "ddpm100") if k in samples]
    common = set(range(samples["student"].shape[0]))
    for r in refs:
        common &= set(samples[r + "_obs"].tolist())
    common = sorted(common)
    obs = [common[i] for i in np.linspace(0, len(common) - 1, n_show).round().astype(int)]
    fig, axes = plt.subplots(len(refs) + 2, n_show, figsize=(3.2 * n_show, 3.0 * (len(refs) + 2)))
    for col, m in enumerate(obs):
        for row, key in enumerate(refs + ["student"]):
            ax = axes[row, col]
            row_m = m if key == "student" else int(np.nonzero(samples[key + "_obs"] == m)[0][0])
            for k in range(min(32, samples[key].shape[1])):
                c = samples[key][row_m, k]
                ax.plot(c[:, 0], c[:, 1], "-", lw=0.8, alpha=0.5)
                ax.plot(c[-1, 0], c[-1, 1], ".", ms=3, color="k")
            ax.set_xlim(-1, 1)
            ax.set_ylim(1, -1)
            ax.set_title(f"obs {m}: {'teacher ' + key if key != 'student' else 'student 1-step'}", fontsize=8)
            ax.tick_params(labelsize=6)
    for col, ref in enumerate(refs[:n_show]):
        ax = axes[-1, col]
        r = result[ref]["student_vs_teacher"]
        x = np.arange(len(r["mode_hist_teacher"]))
        ax.bar(x - 0.2, r["mode_hist_teacher"], 0.4, label=f"teacher {ref}")
        ax.bar(x + 0.2, r["mode_hist_student"], 0.4, label="student")
        ax.set_title(f"mode rank histogram vs {ref}\nJS {r['mode_js_mean_bits']:.3f} bits (per-obs mean)", fontsize=8)
        ax.legend(fontsize=6)
    for col in range(len(refs), n_show):
        axes[-1, col].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
