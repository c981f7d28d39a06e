"""Stage exactly what one device segment needs into one git-ignored folder (.gpu/stage), within the travel limit.

Layout (the runner's working directory on the device):
    training/oneflow_train/, training/configs/   the code, from HEAD (`git archive`: never a colleague's half-edit)
                                                 or, with code="worktree", the tracked files as they are here
    gpu/                                         these scripts (the runner, its limits and packer)
    data/pusht.npz                               the replay buffer as npz (with images for image policies), made
                                                 once into .gpu/cache by `train-teacher --export-npz` and linked
    runs/<name>/                                 the state to continue: a teacher's latest/ (train_state.pt + EMA
                                                 checkpoint) and log.jsonl; a distillation's resume.pt + logs
    models/... or runs/...                       a distillation's teacher, at the relative path its run names
    wheels/                                      what the device lacks for evaluation (pymunk, cffi, pycparser,
                                                 shapely; pygame for image policies): `gpu.py wheels` downloads them
    job.json, STAGE.json                         the job (gpu_job.GpuJob) and every staged file with size and sha256
The stage is refused when the whole call (the working tree with models/ hidden, plus the stage) would exceed 64 MiB;
with calls=2 a state too large for one call goes over two (gpu_inbox.py) when that fits.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from gpu_inbox import INBOX, SECOND_STAGE, split_state
from gpu_job import DATA_NPZ, STATE_FILES, GpuJob
from gpu_limits import LIMITS, DeviceLimits, LimitError, fmt_bytes
from gpu_parts import sha256_file
from gpu_travel import HIDE_DEFAULT, as_if_hidden, check_fits, git, travel_set

STAGE_MANIFEST = "STAGE.json"
CODE_PATHS = ("training/oneflow_train", "training/configs")
SCRIPTS_DIR = Path(__file__).resolve().parent
EVAL_WHEELS = ("pymunk", "cffi", "pycparser", "shapely")  # absent on the device (KINDS.md package list)
IMAGE_WHEELS = ("pygame",)  # image rendering
WHEEL_PINS = {"pymunk": "7.3.1", "cffi": "2.1.1", "pycparser": "3.12", "shapely": "2.2.0", "pygame": "2.6.1"}


def _copy_code(repo: Path, stage: Path, code: str) -> str:
    if code == "head":
        commit = git(repo, "rev-parse", "HEAD").decode().strip()
        with tarfile.open(fileobj=io.BytesIO(git(repo, "archive", "--format=tar", "HEAD", *CODE_PATHS))) as tar:
            tar.extractall(stage, filter="data")
        return commit
    if code != "worktree":
        raise ValueError(f"code={code!r}: expected 'head' or 'worktree'")
    for p in git(repo, "ls-files", "-z", "--", *CODE_PATHS).split(b"\0"):
        if p and (repo / p.decode()).is_file():
            dst = stage / p.decode()
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo / p.decode(), dst)
    return git(repo, "rev-parse", "HEAD").decode().strip() + "+worktree"


def _link_or_copy(src: Path, dst: Path, copy: bool = False) -> None:
    """Hard-link an input the segment only reads (data, wheels, teacher); copy what it may change (copy=True: the
    run directory's state and logs, which a CPU rehearsal would otherwise append to in the local run directory)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if copy:
        shutil.copy2(src, dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _copy_tree(src: Path, dst: Path, skip_dirs: tuple[str, ...] = (), skip_suffixes: tuple[str, ...] = (),
               copy: bool = False) -> None:
    for dirpath, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if not (Path(dirpath) == src and d in skip_dirs)]
        for f in files:
            if not f.endswith(skip_suffixes):
                s = Path(dirpath, f)
                _link_or_copy(s, dst / s.relative_to(src), copy)


def data_npz(repo: Path, images: bool) -> Path:
    """.gpu/cache/pusht_{images,lowdim}.npz, exported from the zarr on first use."""
    path = repo / ".gpu" / "cache" / f"pusht_{'images' if images else 'lowdim'}.npz"
    if not path.exists():
        argv = [sys.executable, "-m", "oneflow_train", "train-teacher", "--export-npz", str(path)]
        subprocess.run(argv + (["--with-images"] if images else []), check=True, cwd=repo)
    return path


def uses_images(kind: str, config: Path | None, teacher: Path | None, policy: Path | None) -> bool:
    """Whether the job's policy reads the camera (the npz then carries images, and pygame renders them)."""
    if kind == "teacher":
        return json.loads(config.read_text())["policy"]["obs_type"] == "image"
    ckpt = teacher if kind == "distill" else policy
    if ckpt.is_dir():
        return json.loads((ckpt / "config.json").read_text())["policy"]["obs_type"] == "image"
    return True  # an ONNX file: assume it may (pygame travels; 14 MB)


def find_wheels(wheels_dir: Path, names: tuple[str, ...]) -> list[Path]:
    found, missing = [], []
    for n in names:
        hits = sorted(wheels_dir.glob(f"{n}-*.whl")) if wheels_dir.is_dir() else []
        (found.append(hits[-1]) if hits else missing.append(n))
    if missing:
        raise FileNotFoundError(f"wheels {missing} not in {wheels_dir}: run `.venv/bin/python "
                                f"training/scripts/gpu/gpu.py wheels` (downloads {', '.join(WHEEL_PINS)} for the device)")
    return found


def _rel_inside(path: str, what: str) -> str:
    p = Path(path)
    if p.is_absolute() or ".." in p.parts:
        raise ValueError(f"{what} {path!r}: must be a relative path inside the repository (it is re-created there)")
    return str(p)


def stage(repo: Path, kind: str, run_dir: Path, config: str | None = None, teacher: str | None = None,
          policy: str | None = None, out: Path | None = None, code: str = "head", npz: Path | None = None, wheels_dir: Path | None = None,
          limits: DeviceLimits = LIMITS, hide: tuple[str, ...] = HIDE_DEFAULT, calls: int = 1, **job_fields) -> dict:
    """Build the stage for one segment; returns STAGE.json's content. Raises LimitError when the call won't fit."""
    repo = repo.resolve()
    out = (out or repo / ".gpu" / "stage").resolve()
    if out == repo or repo not in out.parents:
        raise ValueError(f"stage folder {out} must be inside {repo} (it travels as a carried path)")
    for old in (out, out.parent / SECOND_STAGE):
        if old.exists():
            shutil.rmtree(old)
    out.mkdir(parents=True)
    commit = _copy_code(repo, out, code)
    _copy_tree(SCRIPTS_DIR, out / "gpu", skip_dirs=("__pycache__",), skip_suffixes=(".pyc",))
    run_dir = Path(run_dir)
    run_rel = f"runs/{run_dir.name}"
    resume = False
    teacher_dir = policy_rel = None
    if kind == "eval":
        if not policy or not Path(policy).exists():
            raise FileNotFoundError(f"eval job: policy {policy!r} is not a file or checkpoint directory here")
        policy_rel = f"policies/{Path(policy).name}"
        if Path(policy).is_dir():
            _copy_tree(Path(policy), out / policy_rel, skip_suffixes=(".png",))
        else:
            _link_or_copy(Path(policy), out / policy_rel)
    elif kind == "teacher":
        if (run_dir / STATE_FILES["teacher"][0]).exists():  # train_state.pt holds the EMA too: latest/'s
            _link_or_copy(run_dir / STATE_FILES["teacher"][0], out / run_rel / STATE_FILES["teacher"][0], copy=True)
            if (run_dir / "log.jsonl").exists():
                _link_or_copy(run_dir / "log.jsonl", out / run_rel / "log.jsonl", copy=True)
            resume = True
    else:
        if (run_dir / STATE_FILES["distill"][0]).exists():
            import torch

            saved = torch.load(run_dir / "resume.pt", map_location="cpu", weights_only=True)
            teacher = saved["teacher_dir"]
            _copy_tree(run_dir, out / run_rel, skip_dirs=("checkpoints", "final"), skip_suffixes=(".png",), copy=True)
            resume = True
        if not teacher:
            raise ValueError("a fresh distill job needs --teacher (a checkpoint directory)")
        teacher = _rel_inside(str(Path(teacher).resolve().relative_to(repo)) if Path(teacher).is_absolute() else teacher,
                              "teacher")
        teacher_dir = repo / teacher
        _copy_tree(teacher_dir, out / teacher, skip_suffixes=(".png",))
    if config and (Path(config).is_absolute() or not (out / config).exists()):  # not a tracked config: staged aside
        if not Path(config).is_file():
            raise FileNotFoundError(f"config {config}: neither in the staged code ({code}) nor a file here")
        _link_or_copy(Path(config), out / "configs" / Path(config).name)
        config = f"configs/{Path(config).name}"
    images = uses_images(kind, out / config if config else None, teacher_dir, out / policy_rel if policy_rel else None)
    if kind != "eval":  # an evaluation simulates; it reads no data
        _link_or_copy(npz or data_npz(repo, images), out / DATA_NPZ)
    wheels = []
    if job_fields.get("eval_seeds", "val"):
        for w in find_wheels(wheels_dir or repo / ".gpu" / "wheels", EVAL_WHEELS + (IMAGE_WHEELS if images else ())):
            _link_or_copy(w, out / "wheels" / w.name)
            wheels.append(f"wheels/{w.name}")
    info = {"code_commit": commit, "local_run_dir": str(run_dir), "staged_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "images": images}
    job = GpuJob(kind=kind, run_dir=run_rel, config=config, teacher=teacher if kind == "distill" else None,
                 policy=policy_rel, resume=resume, wheels=tuple(wheels), info=info, **job_fields)
    job.write(out)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    manifest = {"job": json.loads((out / "job.json").read_text()),
                "files": {str(p.relative_to(out)): {"bytes": p.stat().st_size, "sha256": sha256_file(p)} for p in files}}
    (out / STAGE_MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    stage_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    carry = str(out.relative_to(repo))
    travel = as_if_hidden(travel_set(repo, (carry,)), hide)
    tree_bytes = sum(i.size_bytes for i in travel) - stage_bytes
    print(f"staged {carry}: {fmt_bytes(stage_bytes)} ({len(files) + 1} files); the rest of the tree with "
          f"{', '.join(hide)} hidden: {fmt_bytes(tree_bytes)}; together {fmt_bytes(stage_bytes + tree_bytes)} of "
          f"{fmt_bytes(limits.travel_bytes)}")
    state = [f"{run_rel}/{f}" for f in STATE_FILES[kind] if (out / run_rel / f).exists()]
    total = stage_bytes + tree_bytes
    try:
        if total > limits.travel_bytes and calls == 2 and state:
            state_bytes = sum((out / f).stat().st_size for f in state)
            room = limits.travel_bytes - tree_bytes - limits.manifest_reserve_bytes - limits.split_margin_bytes
            split_state(out, state, room - (stage_bytes - state_bytes), room)
            check_fits(as_if_hidden(travel_set(repo, (carry,)), hide), limits)
            check_fits(as_if_hidden(travel_set(repo, (str(out.parent.relative_to(repo) / SECOND_STAGE),)), hide), limits)
            print(f"the state ({fmt_bytes(state_bytes)}) goes over two calls: .gpu/stage carries part 1, "
                  f".gpu/{SECOND_STAGE} the rest")
        else:
            check_fits(travel, limits)
    except LimitError as e:
        shutil.rmtree(out)  # a stage that does not fit must not be carried by mistake
        shutil.rmtree(out.parent / SECOND_STAGE, ignore_errors=True)
        biggest = sorted(manifest["files"].items(), key=lambda kv: -kv[1]["bytes"])[:4]
        raise LimitError("this stage plus the working tree", e.value, e.limit, "largest staged: " + ", ".join(
            f"{k} {v['bytes'] / 2**20:.1f} MiB" for k, v in biggest) + ("" if calls == 2 else
                                                                         "; a state may go over two calls: --calls 2")) from None
    manifest["calls"] = 2 if (out / INBOX).exists() else 1
    return manifest
