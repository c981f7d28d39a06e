"""Run an ablation file: each variant is `oneflow-train distill` with overrides (a subprocess, `--parallel` at a
time); each one-step student is evaluated on --eval-seeds (the validation range by default: ablation winners are
chosen there, never on test seeds; `metrics.rollouts`) as soon as it is trained. Writes
<out>/ablations.json and a Markdown table <out>/ablations.md after every evaluated variant."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _set_args(overrides: dict) -> list[str]:
    out = []
    for k, v in overrides.items():
        out += ["--set", f"{k}={json.dumps(v)}"]
    return out


def _write_tables(out: Path, args, scale: dict, variants: dict, rows: dict) -> None:
    ordered = [rows[n] for n in variants if n in rows]
    (out / "ablations.json").write_text(json.dumps({"teacher": args.teacher, "seeds": args.eval_seeds, "scale": scale,
                                                     "rows": ordered}, indent=1) + "\n")
    lines = ["| variant | overrides | mean score ± SE | success | val endpoint MSE | jerk (px/s³) | boundary (med. steps) |",
             "|---|---|---|---|---|---|---|"]
    for r in ordered:
        if "error" in r:
            lines.append(f"| {r['variant']} | {r['overrides']} | {r['error']} | | | | |")
            continue
        ov = ", ".join(f"{k}={v}" for k, v in variants[r["variant"]].items()) or "(default)"
        lines.append(f"| {r['variant']} | {ov} | {r['mean_score']:.3f} ± {r['mean_score_se']:.3f} | {r['success_rate']:.2f} | "
                     f"{r['val_endpoint_mse']:.4f} | {r['jerk_mean_px_s3']:.0f} | {r['boundary_norm']:.2f} |")
    (out / "ablations.md").write_text("\n".join(lines) + "\n")


def run_ablations(args) -> int:
    from .commands.seed_range import parse_range
    from .metrics.rollouts import rollouts_with_coherence

    spec = json.loads(Path(args.ablations).read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scale, variants = spec.get("scale", {}), spec["variants"]
    seeds = parse_range(args.eval_seeds)
    n_conc = max(1, min(args.parallel, len(variants)))
    per = max(1, args.eval_workers // n_conc)  # evaluations run n_conc at a time, `per` workers each
    t0 = time.time()

    def evaluate(name: str) -> dict:
        ov = variants[name]
        summary_path = out / name / "summary.json"
        if not summary_path.exists():
            return {"variant": name, "overrides": ov, "error": f"no summary (see {name}.log)"}
        summary = json.loads(summary_path.read_text())
        if not summary.get("complete", True):
            return {"variant": name, "overrides": ov, "error": f"stopped at step {summary['steps']}/"
                                                               f"{summary['planned_steps']}: {summary['resume']}"}
        r = rollouts_with_coherence(str(out / name / "final"), seeds, {"n_steps": 1}, workers=per)
        print(f"[{time.time() - t0:.0f} s] {name}: score {r['mean_score']:.3f} success {r['success_rate']:.2f} "
              f"val endpoint MSE {summary['epochs'][-1]['val_endpoint_mse']:.4f}", flush=True)
        return {"variant": name, "overrides": {**scale, **ov}, "mean_score": r["mean_score"],
                "mean_score_se": r["mean_score_se"],
                "success_rate": r["success_rate"], "val_endpoint_mse": summary["epochs"][-1]["val_endpoint_mse"],
                "steps": summary["steps"], "epochs_done": summary.get("epochs_done"), "train_wall_s": summary["wall_s"],
                "jerk_mean_px_s3": r["jerk_mean_px_s3"], "boundary_norm": r["boundary_discontinuity_norm"],
                "per_seed": r["per_seed"]}

    rows: dict[str, dict] = {}
    futures = {}
    jobs, running = list(variants.items()), []
    with ThreadPoolExecutor(n_conc) as pool:
        while jobs or running:
            while jobs and len(running) < n_conc:
                name, ov = jobs.pop(0)
                cmd = [sys.executable, "-m", "oneflow_train", "distill", "--teacher", args.teacher, "--config",
                       args.config, "--out", str(out / name), "--device", args.device, "--threads", "1",
                       *_set_args({**scale, **ov, "name": name}), *sum((["--set", s] for s in args.set), [])]
                log = open(out / f"{name}.log", "w")
                running.append((name, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), log))
                print(f"[{time.time() - t0:.0f} s] started {name}", flush=True)
            time.sleep(2)
            for item in list(running):
                name, proc, log = item
                if proc.poll() is None:
                    continue
                log.close()
                running.remove(item)
                print(f"[{time.time() - t0:.0f} s] {name} trained rc={proc.returncode}", flush=True)
                if n_conc == 1:  # sequential: evaluate now, before the next variant trains (one CPU job at a time)
                    rows[name] = evaluate(name)
                    _write_tables(out, args, scale, variants, rows)
                else:
                    futures[name] = pool.submit(evaluate, name)
        for name, fut in futures.items():
            rows[name] = fut.result()
    _write_tables(out, args, scale, variants, rows)
    print((out / "ablations.md").read_text())
    return 0
