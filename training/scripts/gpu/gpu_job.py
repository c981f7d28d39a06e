"""One device segment, as the stage writes it (job.json) and the runner reads it; the commands it runs; its budget.

Paths in a job are relative to the stage root, which is the runner's working directory on the device: the staged
code is training/oneflow_train, the data data/pusht.npz, the run directory runs/<name>, a distillation's teacher at
the relative path its resume.pt names (models/... or runs/...).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from gpu_limits import LimitError

JOB_FILE = "job.json"
KINDS = ("teacher", "distill", "eval")
DATA_NPZ = "data/pusht.npz"
STATE_FILES = {"teacher": ("latest/train_state.pt",), "distill": ("resume.pt",), "eval": ()}


@dataclass(frozen=True)
class GpuJob:
    kind: str  # teacher (train-teacher, resumes from run_dir/latest/train_state.pt) | distill (--resume when staged)
    #            | eval (no training: evaluate `policy` on eval_seeds, e.g. the 500-seed wide set)
    run_dir: str  # runs/<name> (eval: where the result JSON goes)
    config: str | None = None  # training/configs/<x>.json: a teacher's, or a fresh distillation's
    teacher: str | None = None  # a fresh distillation's teacher checkpoint directory
    policy: str | None = None  # eval: policies/<.onnx file or checkpoint directory>
    eval_args: tuple[str, ...] = ()  # more eval arguments (--policy-arg sampler=ddim:16, --lockstep-batch 10 ...)
    resume: bool = False  # a resumable state was staged
    device: str = "cuda"
    call_budget_s: float = 540.0  # the runner ends (state packed) within this; give the run tool timeout_s 600
    eval_seeds: str | None = "val"  # evaluate the segment's checkpoint on these seeds (None: no evaluation)
    eval_workers: int = 16  # the device has 16 cores (os.cpu_count(); nproc may say 1 there)
    eval_threads_per_worker: int = 1
    eval_reserve_s: float = 150.0  # kept for the evaluation out of call_budget_s
    pack_reserve_s: float = 30.0  # kept for packing what comes back
    startup_reserve_s: float = 45.0  # imports and data loading before the trainer's own budget clock starts
    stop_after_steps: int | None = None  # teacher: end the segment after this many steps (tests; exact segments)
    episodes: str | None = None  # teacher: an explicit episode list instead of the DP split (tests)
    train_args: tuple[str, ...] = ()  # more arguments for the training command (--batch-size 256, --set k=v ...)
    wheels: tuple[str, ...] = ()  # wheels/<file>, installed on the device when an evaluation import fails
    info: dict = field(default_factory=dict)  # provenance: code commit, local paths, staging time

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"job kind {self.kind!r}: expected one of {KINDS}")
        if self.kind == "teacher" and not self.config:
            raise ValueError("a teacher job needs config (training/configs/teacher_*.json)")
        if self.kind == "distill" and not self.resume and not (self.config and self.teacher):
            raise ValueError("a fresh distill job needs config and teacher (or a staged resume.pt)")
        if self.kind == "eval" and not (self.policy and self.eval_seeds):
            raise ValueError("an eval job needs policy and eval_seeds")

    def write(self, stage: Path) -> Path:
        d = asdict(self)
        d["train_args"], d["wheels"], d["eval_args"] = list(self.train_args), list(self.wheels), list(self.eval_args)
        (stage / JOB_FILE).write_text(json.dumps(d, indent=1) + "\n")
        return stage / JOB_FILE

    @classmethod
    def read(cls, stage: Path) -> "GpuJob":
        d = json.loads((stage / JOB_FILE).read_text())
        known = {f.name for f in fields(cls)}
        d = {k: (tuple(v) if k in ("train_args", "wheels", "eval_args") else v) for k, v in d.items() if k in known}
        return cls(**d)


@dataclass(frozen=True)
class Budget:
    train_s: float  # the trainer's own budget (--time-budget-s / --set time_budget_s=)
    train_kill_s: float  # the training process is stopped at this (from now) if it has not ended
    eval_kill_s: float  # the evaluation is stopped this long after it starts, at the latest


def plan_budget(job: GpuJob, elapsed_s: float) -> Budget:
    """Split what is left of call_budget_s: training, then evaluation, then packing (all wall seconds); an eval job
    gets all of it for the evaluation."""
    if job.kind == "eval":
        left = job.call_budget_s - elapsed_s - job.pack_reserve_s
        if left <= 0:
            raise LimitError("packing reserve and time already spent", job.call_budget_s - left, job.call_budget_s,
                             unit="s")
        return Budget(train_s=0.0, train_kill_s=0.0, eval_kill_s=left)
    left = job.call_budget_s - elapsed_s - job.pack_reserve_s - (job.eval_reserve_s if job.eval_seeds else 0.0)
    train_s = left - job.startup_reserve_s
    if train_s <= 0:
        raise LimitError("reserves (startup + evaluation + packing) and time already spent", job.call_budget_s - left +
                         job.startup_reserve_s, job.call_budget_s, "raise call_budget_s or lower the reserves", unit="s")
    return Budget(train_s=train_s, train_kill_s=left, eval_kill_s=job.eval_reserve_s)


def train_argv(job: GpuJob, budget_s: float) -> list[str]:
    """The `python -m oneflow_train ...` arguments of the training segment."""
    if job.kind == "teacher":
        argv = ["train-teacher", "--config", job.config, "--run-dir", job.run_dir, "--data-npz", DATA_NPZ,
                "--device", job.device, "--time-budget-s", f"{budget_s:.0f}"]
        if job.stop_after_steps is not None:
            argv += ["--stop-after-steps", str(job.stop_after_steps)]
        if job.episodes:
            argv += ["--episodes", job.episodes]
    else:  # the snapshots' validation rollouts use the machine's cores too (val_workers is a run-control field)
        run = ["--resume", job.run_dir] if job.resume else ["--teacher", job.teacher, "--config", job.config,
                                                           "--out", job.run_dir]
        argv = ["distill", *run, "--device", job.device, "--set", f"time_budget_s={budget_s:.0f}",
                "--set", f"val_workers={job.eval_workers}"]
    return argv + list(job.train_args)


def eval_argv(job: GpuJob, policy: str, out_json: str) -> list[str]:
    return ["eval", "--policy", policy, "--seeds", job.eval_seeds, "--train-seeds", "", "--workers",
            str(job.eval_workers), "--threads-per-worker", str(job.eval_threads_per_worker), "--no-progress",
            "--out", out_json, *job.eval_args]


def checkpoint_to_evaluate(job: GpuJob, stage: Path) -> str | None:
    """The segment's newest checkpoint: final/ if the run completed, else latest/ (teacher) or the newest snapshot;
    an eval job's policy."""
    if job.kind == "eval":
        return job.policy
    run = stage / job.run_dir
    if (run / "final" / "model.safetensors").exists():
        return f"{job.run_dir}/final"
    if job.kind == "teacher":
        return f"{job.run_dir}/latest" if (run / "latest" / "model.safetensors").exists() else None
    snaps = sorted((run / "checkpoints").glob("epoch_*/model.safetensors"))
    return str(snaps[-1].parent.relative_to(stage)) if snaps else None
