"""The device side: run one staged segment under a hard wall-time budget, then pack what comes back.

    cd .gpu/stage && python3 gpu/gpu.py segment --out "$OUT"

1. probe (python, torch, CUDA, os.cpu_count());
2. training: the trainer gets its own budget (train-teacher --time-budget-s / distill --set time_budget_s=) and ends
   its segment resumable; should it still run at the hard limit, it is stopped (SIGTERM, then SIGKILL) and the last
   periodic state is what comes back;
3. evaluation of the segment's newest checkpoint on the job's seeds with --workers 16 --threads-per-worker 1, under
   its own hard limit (wheels installed first if pymunk/shapely/pygame do not import);
4. packing (gpu_parts.pack): bundle "result" (checkpoints, logs, evaluation, segment.json), then bundle "state" (the
   resumable state), into .gpu/outbox; batch 1 to $OUT; a follow-up call `gpu.py send --batch 2` for the rest.
Everything runs on the CPU too (device "cpu"): that is how the tests run it.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gpu_inbox import receive_state
from gpu_job import STATE_FILES, GpuJob, checkpoint_to_evaluate, eval_argv, plan_budget, train_argv
from gpu_limits import LIMITS, DeviceLimits
from gpu_parts import Bundle, pack, send, sha256_file
from gpu_stage import STAGE_MANIFEST

EVAL_MODULES = ("pymunk", "shapely", "pygame")
SITE = Path("/tmp/oneflow-site")


def run_bounded(argv: list[str], cwd: Path, env: dict, limit_s: float) -> dict:
    """Run argv in its own process group; stop it at limit_s. Returns rc, wall_s and whether it was stopped."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True)
    stopped = False
    try:
        rc = proc.wait(timeout=max(1.0, limit_s))
    except subprocess.TimeoutExpired:
        stopped = True
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
    return {"argv": argv, "rc": rc, "wall_s": round(time.monotonic() - t0, 1), "stopped_at_limit": stopped}


def _env(stage: Path) -> dict:
    env = dict(os.environ)
    paths = [str(stage / "training")] + ([str(SITE)] if SITE.exists() else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["ONEFLOW_PUSHT_ZARR"] = str(stage / "data" / "pusht.npz")  # readers that default to the zarr get the npz
    env["PYTHONUNBUFFERED"] = "1"
    env["TQDM_DISABLE"] = "1"  # no progress bars in the call's output tail
    return env


def ensure_eval_packages(stage: Path, job: GpuJob) -> str:
    probe = subprocess.run([sys.executable, "-c", "import " + ", ".join(EVAL_MODULES[: 3 if job.info.get("images") else 2])],
                           env=_env(stage), capture_output=True)
    if probe.returncode == 0:
        return "present"
    if not job.wheels:
        return "missing, no wheels staged"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
                        "--no-cache-dir", "--upgrade", "--target", str(SITE), *[str(stage / w) for w in job.wheels]],
                       capture_output=True, text=True)
    return "installed" if r.returncode == 0 else f"pip failed: {r.stderr.strip()[-300:]}"


def probe() -> dict:
    out = {"python": sys.version.split()[0], "cpu_count": os.cpu_count()}
    try:
        import torch

        out.update(torch=torch.__version__, cuda=torch.cuda.is_available(),
                   gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    except Exception as e:  # the runner still packs what it can
        out["torch"] = f"import failed: {e}"
    return out


def result_files(stage: Path, job: GpuJob) -> tuple[list, list]:
    """(result members, state members): files of the run directory that the segment wrote or changed."""
    staged = json.loads((stage / STAGE_MANIFEST).read_text())["files"]
    run = stage / job.run_dir
    state = [f"{job.run_dir}/{s}" for s in STATE_FILES[job.kind] if (run / s).exists()]
    newest = checkpoint_to_evaluate(job, stage)
    result = []
    for p in sorted(run.rglob("*")):
        rel = str(p.relative_to(stage))
        if not p.is_file() or rel in state or p.name.endswith(".tmp"):
            continue
        if "/checkpoints/" in rel and not (newest and rel.startswith(newest + "/")):
            continue  # older snapshots: only the newest comes back
        if rel in staged and staged[rel]["sha256"] == sha256_file(p):
            continue  # unchanged since staging
        result.append(rel)
    return result, state


def segment(stage: Path, out_dir: Path, outbox: Path, limits: DeviceLimits = LIMITS) -> dict:
    t0 = time.monotonic()
    stage = stage.resolve()
    job = GpuJob.read(stage)
    report: dict = {"job": job.kind, "run_dir": job.run_dir, "steps": [],
                    "probe": probe() if job.device.startswith("cuda") else {"device": job.device}}
    print(json.dumps(report["probe"]), flush=True)
    received = receive_state(stage)  # a state staged over two calls (gpu_inbox.py)
    if received:
        print(f"== received {', '.join(received)} (sha256 checked)", flush=True)
    budget = plan_budget(job, time.monotonic() - t0)
    if job.kind != "eval":
        argv = [sys.executable, "-m", "oneflow_train", *train_argv(job, budget.train_s)]
        print(f"== train ({budget.train_s:.0f} s budget, stopped at {budget.train_kill_s:.0f} s): "
              f"{' '.join(argv[3:])}", flush=True)
        report["steps"].append(run_bounded(argv, stage, _env(stage), budget.train_kill_s))
    policy = checkpoint_to_evaluate(job, stage)
    if job.eval_seeds and policy:
        report["eval_packages"] = ensure_eval_packages(stage, job)
        left = job.call_budget_s - (time.monotonic() - t0) - job.pack_reserve_s
        name = f"eval_{Path(policy).stem}_{job.eval_seeds.replace(':', '-')}.json"
        argv = [sys.executable, "-m", "oneflow_train", *eval_argv(job, policy, f"{job.run_dir}/{name}")]
        print(f"== eval (stopped at {min(left, budget.eval_kill_s):.0f} s): {' '.join(argv[3:])}", flush=True)
        report["steps"].append(run_bounded(argv, stage, _env(stage), min(left, budget.eval_kill_s)))
    report["wall_s"] = round(time.monotonic() - t0, 1)
    (stage / job.run_dir).mkdir(parents=True, exist_ok=True)
    (stage / job.run_dir / "segment.json").write_text(json.dumps(report, indent=1) + "\n")
    result, state = result_files(stage, job)
    bundles = [Bundle("result", tuple((stage / r, r) for r in result))]
    if state:
        bundles.append(Bundle("state", tuple((stage / s, s) for s in state)))
    manifest = pack(bundles, outbox, limits, info={"job": job.kind, "run_dir": job.run_dir, **job.info})
    sent = send(outbox, out_dir, 1)
    n = len(manifest["batches"])
    print(f"== packed {sum(b['bytes'] for b in manifest['bundles']) / 2**20:.1f} MiB in {n} batch(es); batch 1 in "
          f"{out_dir}: {', '.join(sent)}", flush=True)
    if n > 1:
        print(f"== MORE TO FETCH: within {limits.warm_after_call_s:.0f} s, call again with: cd .gpu/stage && python3 "
              f"gpu/gpu.py send --batch 2 --out \"$OUT\" (batches 2..{n})", flush=True)
    report["batches"] = n
    return report
