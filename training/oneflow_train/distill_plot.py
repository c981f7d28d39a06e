"""The distillation run's figure (`<out>/loss_curve.png`): losses per step, paired validation endpoint MSE per epoch,
and the one-step validation-seed score of every snapshot (± 1 standard error)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np


def save_loss_plot(history: Sequence[Mapping[str, float]], epochs: Sequence[Mapping[str, Any]], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4))
    steps = np.arange(len(history))
    for key in ("loss", "global", "terminal"):
        y = np.array([h[key] for h in history])
        if np.any(y > 0):
            w = max(1, len(y) // 50)
            axes[0].plot(steps[w - 1:], np.convolve(y, np.ones(w) / w, mode="valid"), label=key)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("optimisation step")
    axes[0].set_title("distillation losses (moving mean)")
    axes[0].legend()
    if epochs:
        axes[1].plot([e["epoch"] for e in epochs], [e["val_endpoint_mse"] for e in epochs], "o-")
    axes[1].set_xlabel("epoch")
    axes[1].set_yscale("log")
    axes[1].set_title("one-step vs teacher DDIM endpoint MSE (val, same noise)")
    rolled = [e for e in epochs if "val_rollout" in e]
    if rolled:
        r = [e["val_rollout"] for e in rolled]
        axes[2].errorbar([e["epoch"] for e in rolled], [v["mean_score"] for v in r],
                         yerr=[v["mean_score_se"] for v in r], fmt="o-", capsize=3)
        axes[2].set_title(f"one-step score, validation seeds {r[-1]['seeds']}")
    else:
        axes[2].set_title("one-step score on validation seeds (off)")
    axes[2].set_xlabel("epoch (snapshot)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
