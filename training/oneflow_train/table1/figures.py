"""The two Table 1 figures (PNG): coverage vs latency and FLOPs (log x), and per-seed paired scores vs the reference."""
from __future__ import annotations

from pathlib import Path


def _first_number(text: str) -> float:
    """"0.86 ± 0.04" -> 0.86 (the paper's strings keep their ± part)."""
    return float(text.split("±")[0].strip())


def coverage_latency_figure(table: dict, out: Path) -> None:
    """Left: wide mean ± SE against latency p50 (bar to p99), log x; right: against GFLOP per inference, log x.
    The paper's rows are drawn hollow and labelled as theirs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_l, ax_f) = plt.subplots(1, 2, figsize=(12, 4.8))
    unmeasured, no_wide = [], []
    for i, r in enumerate(table["rows"]):
        wide = r["sets"].get("wide")
        if wide is None:
            no_wide.append(r["label"])
            continue
        color = f"C{i}"
        y, yerr = wide["mean_score"], wide["mean_score_se"]
        if r["latency"] is not None:
            p50, p99 = r["latency"]["p50_s"] * 1e3, r["latency"]["p99_s"] * 1e3
            ax_l.errorbar([p50], [y], yerr=[yerr], xerr=[[0.0], [p99 - p50]], fmt="o", color=color, capsize=3)
            ax_l.annotate(r["label"], (p50, y), textcoords="offset points", xytext=(5, 5), fontsize=8)
        else:
            unmeasured.append(r["label"])
        if r["flops_per_inference"] is not None:
            g = r["flops_per_inference"] / 1e9
            ax_f.errorbar([g], [y], yerr=[yerr], fmt="o", color=color, capsize=3)
            ax_f.annotate(r["label"], (g, y), textcoords="offset points", xytext=(5, 5), fontsize=8)
    for key, p in table["paper"].items():
        y = _first_number(p["coverage"])
        ax_l.plot([_first_number(p["latency_ms"])], [y], "s", mfc="none", color="grey")
        ax_l.annotate(f"{key} (paper, theirs)", (_first_number(p["latency_ms"]), y), textcoords="offset points",
                      xytext=(5, -10), fontsize=7, color="grey")
        ax_f.plot([_first_number(p["gflops"])], [y], "s", mfc="none", color="grey")
        ax_f.annotate(f"{key} (paper, theirs)", (_first_number(p["gflops"]), y), textcoords="offset points",
                      xytext=(5, -10), fontsize=7, color="grey")
    ax_l.set(xscale="log", xlabel="latency per inference, p50 (bar to p99), ms — ours: CPU worker; paper: GPU",
             ylabel="wide (500 seeds) mean score ± SE")
    if unmeasured:
        ax_l.text(0.98, 0.98, "latency not measured:\n" + "\n".join(unmeasured), transform=ax_l.transAxes,
                  fontsize=7, va="top", ha="right")
    if no_wide:
        ax_f.text(0.98, 0.02, "no wide evaluation yet (not drawn):\n" + "\n".join(no_wide), transform=ax_f.transAxes,
                  fontsize=7, va="bottom", ha="right")
    ax_f.set(xscale="log", xlabel="GFLOP per inference (oneflow inspect; paper: 'per trajectory')")
    for ax in (ax_l, ax_f):
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle("Push-T coverage vs inference cost (filled: ours, keypoint policies; hollow grey: the paper's numbers)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def paired_figure(table: dict, diffs: dict[str, dict[str, float]], out: Path) -> None:
    """One panel per compared row: its per-seed score minus the reference's on `wide`, sorted, with the mean."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = [r for r in table["rows"] if r["id"] in diffs and diffs[r["id"]]]
    ref = next((r["label"] for r in table["rows"] if r["id"] == table["reference"]), table["reference"])
    fig, axes = plt.subplots(len(rows), 1, figsize=(10, 2.4 * max(1, len(rows))), squeeze=False, sharey=True)
    for ax, r in zip(axes[:, 0], rows):
        d = np.sort(np.array(list(diffs[r["id"]].values())))
        ax.bar(np.arange(d.size), d, width=1.0, color=np.where(d > 0, "C2", np.where(d < 0, "C3", "grey")))
        p = r["paired_wide"]
        ax.axhline(p["mean_diff"], color="k", lw=1)
        ax.set_title(f"{r['label']} − {ref}: {p['mean_diff']:+.3f} ± {p['mean_diff_se']:.3f} (paired SE), "
                     f"{p['wins']} better / {p['ties']} equal / {p['losses']} worse of {p['n_common']} seeds",
                     fontsize=9)
        ax.set_ylabel("score difference")
        ax.grid(True, axis="y", alpha=0.3)
    axes[-1, 0].set_xlabel("common test-side seeds (wide: 100000–100499; test: its first 50), sorted by difference")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
