"""Run an ablation file: each variant is `oneflow-train distill` with overrides (a subprocess, `--parallel` at a
time), then each one-step student is evaluated on the test seeds (`metrics.rollouts`). Writes <out>/ablations.json
and a Markdown table <out>/ablations.md."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


def _set_args(overrides: dict) -> list[str]:
    out = []
    for k, v in overrides.items():
        out += ["--set", f"{k}={json.dumps(v)}"]
    return out


def run_ablations(args) -> int:
    from .commands.seed_range import parse_range
    from .metrics.rollouts import rollouts_with_coherence

    spec = json.loads(Path(args.ablations).read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scale, variants = spec.get("scale", {}), spec["variants"]
    jobs, running, t0 = list(variants.items()), [], time.time()
    while jobs or running:
        while jobs and len(running) < max(1, args.parallel):
            name, ov = jobs.pop(0)
            cmd = [sys.executable, "-m", "oneflow_train", "distill", "--teacher", args.teacher, "--config", args.config,
                   "--out", str(out / name), "--device", args.device, "--threads", "1",
                   *_set_args({**scale, **ov, "name": name}), *sum((["--set", s] for s in args.set), [])]
            log = open(out / f"{name}.log", "w")
            running.append((name, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), log))
            print(f"[{time.time() - t0:.0f} s] started {name}", flush=True)
        time.sleep(2)
        for item in list(running):
            name, proc, log = item
            if proc.poll() is not None:
                log.close()
                running.remove(item)
                print(f"[{time.time() - t0:.0f} s] {name} finished rc={proc.returncode}", flush=True)
    seeds = parse_range(args.eval_seeds)
    n_conc = max(1, min(args.parallel, len(variants)))
    per = max(1, args.eval_workers // n_conc)  # variants are evaluated n_conc at a time, `per` workers each

    def evaluate(item):
        name, ov = item
        summary_path = out / name / "summary.json"
        if not summary_path.exists():
            return {"variant": name, "overrides": ov, "error": f"no summary (see {name}.log)"}
        summary = json.loads(summary_path.read_text())
        r = rollouts_with_coherence(str(out / name / "final"), seeds, {"n_steps": 1}, workers=per)
        print(f"[{time.time() - t0:.0f} s] {name}: score {r['mean_score']:.3f} success {r['success_rate']:.2f} "
              f"val endpoint MSE {summary['epochs'][-1]['val_endpoint_mse']:.4f}", flush=True)
        return {"variant": name, "overrides": {**scale, **ov}, "mean_score": r["mean_score"],
                "success_rate": r["success_rate"], "val_endpoint_mse": summary["epochs"][-1]["val_endpoint_mse"],
                "steps": summary["steps"], "epochs_done": summary.get("epochs_done"), "train_wall_s": summary["wall_s"],
                "jerk_mean_px_s3": r["jerk_mean_px_s3"], "boundary_norm": r["boundary_discontinuity_norm"],
                "per_seed": r["per_seed"]}

    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(n_conc) as pool:
        rows = list(pool.map(evaluate, variants.items()))
    (out / "ablations.json").write_text(json.dumps({"teacher": args.teacher, "seeds": args.eval_seeds, "scale": scale,
                                                     "rows": rows}, indent=1) + "\n")
    lines = ["| variant | overrides | mean score | success | val endpoint MSE | jerk (px/s³) | boundary (med. steps) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['variant']} | {r['overrides']} | {r['error']} | | | | |")
            continue
        ov = ", ".join(f"{k}={v}" for k, v in variants[r["variant"]].items()) or "(default)"
        lines.append(f"| {r['variant']} | {ov} | {r['mean_score']:.3f} | {r['success_rate']:.2f} | "
                     f"{r['val_endpoint_mse']:.4f} | {r['jerk_mean_px_s3']:.0f} | {r['boundary_norm']:.2f} |")
    (out / "ablations.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0
