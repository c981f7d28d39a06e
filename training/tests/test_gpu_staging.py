"""GPU staging (training/scripts/gpu/), tested without a GPU: what travels and hiding models/, the stage and its
limit, parts with sha256 checks (corrupt, truncated and missing parts), the segment budget, and a resume round trip
(stage -> segment on the CPU -> parts -> join -> stage again -> segment) equal to one unbroken run."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
GPU_DIR = REPO / "training" / "scripts" / "gpu"
sys.path.insert(0, str(GPU_DIR))

from gpu_job import GpuJob, plan_budget, train_argv  # noqa: E402
from gpu_limits import MIB, DeviceLimits, LimitError  # noqa: E402
from gpu_parts import Bundle, PartError, join, pack, send  # noqa: E402
from gpu_stage import stage  # noqa: E402
from gpu_travel import as_if_hidden, hide, restore, travel_set  # noqa: E402

from oneflow_train.data.replay_buffer import DEFAULT_ZARR_PATH  # noqa: E402

TINY_CONFIG = {"policy": {"name": "tiny_kp", "obs_type": "keypoints", "down_dims": [16, 32, 64], "step_embed_dim": 16},
               "train": {"batch_size": 8, "total_steps": 4, "warmup_steps": 2, "log_every_steps": 1,
                         "val_every_steps": 1, "checkpoint_every_s": 1e9, "num_threads": 1}}


def sh(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path):
    """A small git repository shaped like ours: models/ with weights, the training package and configs, .gpu/ ignored."""
    r = tmp_path / "repo"
    rng = np.random.default_rng(0)
    files = {"models/a.bin": rng.bytes(3000), "models/sub/b.onnx": rng.bytes(2000), "README.md": b"x\n",
             ".gitignore": b".gpu/\n", "training/configs/tiny.json": json.dumps(TINY_CONFIG).encode()}
    for p in subprocess.run(["git", "ls-files", "training/oneflow_train"], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout.split():
        files[p] = (REPO / p).read_bytes()
    for p, data in files.items():
        (r / p).parent.mkdir(parents=True, exist_ok=True)
        (r / p).write_bytes(data)
    sh(r, "init", "-q")
    sh(r, "add", ".")
    sh(r, "commit", "-qm", "init")
    return r


def test_hide_leaves_links_that_read_the_same_and_restore_puts_the_files_back(repo):
    before = {p: (repo / p).read_bytes() for p in ("models/a.bin", "models/sub/b.onnx")}
    sizes = {i.path: i.size_bytes for i in travel_set(repo)}
    assert sizes["models/a.bin"] == 3000
    assert sorted(hide(repo)) == sorted(before)
    for p, data in before.items():
        assert (repo / p).is_symlink() and (repo / p).read_bytes() == data  # colleagues still read models/
    assert sh(repo, "status", "--porcelain") == ""  # nothing to commit by accident
    moved = {i.path: i for i in travel_set(repo)}
    assert moved["models/a.bin"].is_link and moved["models/a.bin"].size_bytes < 300
    with pytest.raises(RuntimeError, match="already hidden"):
        hide(repo)
    out = restore(repo)
    assert sorted(out["restored"]) == sorted(before) and out["differs_from_index"] == []
    for p, data in before.items():
        assert not (repo / p).is_symlink() and (repo / p).read_bytes() == data
    assert sh(repo, "ls-files", "-v", "models").split()[::2] == ["H", "H"]  # skip-worktree cleared
    assert sh(repo, "status", "--porcelain") == ""
    assert restore(repo)["restored"] == []  # twice is harmless


def test_an_untracked_file_under_models_is_hidden_too_and_comes_back(repo):
    (repo / "models" / "new.card.json").write_bytes(b"{}" * 1000)  # untracked, not ignored: it would travel
    assert "models/new.card.json" in hide(repo)
    assert next(i for i in travel_set(repo) if i.path == "models/new.card.json").is_link
    out = restore(repo)
    assert "models/new.card.json" in out["restored"] and out["differs_from_index"] == []
    assert (repo / "models" / "new.card.json").read_bytes() == b"{}" * 1000
    assert sh(repo, "status", "--porcelain") == "?? models/new.card.json\n"


def test_hide_refuses_a_modified_models_folder(repo):
    (repo / "models" / "a.bin").write_bytes(b"changed")
    with pytest.raises(RuntimeError, match="not clean"):
        hide(repo)
    assert not (repo / "models" / "a.bin").is_symlink()


def test_a_file_rewritten_while_hidden_is_kept_and_reported(repo):
    hide(repo)
    (repo / "models" / "a.bin").unlink()
    (repo / "models" / "a.bin").write_bytes(b"new weights")  # e.g. an export that writes tmp + rename
    out = restore(repo)
    assert out["replaced_while_hidden"] == ["models/a.bin"] and out["differs_from_index"] == ["models/a.bin"]
    assert (repo / "models" / "a.bin").read_bytes() == b"new weights"
    assert "models/a.bin" in sh(repo, "status", "--porcelain")  # visible to git again


def test_dry_run_counts_models_as_links_when_hidden(repo):
    items = travel_set(repo)
    after = as_if_hidden(items, ("models",))
    assert sum(i.size_bytes for i in items) - sum(i.size_bytes for i in after) == 5000 - 200


def _bundle_files(tmp_path, sizes):
    rng = np.random.default_rng(1)
    out = []
    for i, n in enumerate(sizes):
        p = tmp_path / "src" / f"f{i}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(rng.bytes(n))
        out.append((p, f"runs/x/f{i}.bin"))
    return out


SMALL = DeviceLimits(part_bytes=4096, return_file_bytes=4096, return_files=3, return_total_bytes=9000,
                     manifest_reserve_bytes=0)


def test_parts_fit_the_return_limits_and_join_back_exactly(tmp_path):
    files = _bundle_files(tmp_path, [6000, 9000, 100])
    manifest = pack([Bundle("result", tuple(files[:1])), Bundle("state", tuple(files[1:]))], tmp_path / "outbox", SMALL)
    for batch in manifest["batches"]:  # each call: <= return_files - 1 parts (+ MANIFEST.json), <= total bytes
        assert len(batch) <= SMALL.return_files - 1
        assert sum((tmp_path / "outbox" / n).stat().st_size for n in batch) <= SMALL.return_total_bytes
    assert all((tmp_path / "outbox" / p["name"]).stat().st_size <= SMALL.return_file_bytes
               for b in manifest["bundles"] for p in b["parts"])
    calls = []
    for k in range(1, len(manifest["batches"]) + 1):
        calls.append(tmp_path / f"call{k}")
        send(tmp_path / "outbox", calls[-1], k)
    assert len(manifest["batches"]) >= 3  # 25 KiB of tar in 4 KiB parts, 2 parts a call
    first = join(calls[:1], tmp_path / "back1")  # only the first call came back
    assert first["extracted"] == {} and first["missing"] == {"result": [2], "state": list(range(2, len(calls) + 1))}
    assert join(calls[:2], tmp_path / "back2")["extracted"] == {"result": ["runs/x/f0.bin"]}
    res = join(calls, tmp_path / "back")
    assert set(res["extracted"]) == {"result", "state"} and res["missing"] == {}
    for src, arc in files:
        assert (tmp_path / "back" / arc).read_bytes() == src.read_bytes()


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_corrupt_part_is_named_and_nothing_is_extracted(tmp_path, damage):
    files = _bundle_files(tmp_path, [10000])
    manifest = pack([Bundle("state", tuple(files))], tmp_path / "outbox", SMALL)
    victim = tmp_path / "outbox" / manifest["bundles"][0]["parts"][1]["name"]
    data = bytearray(victim.read_bytes())
    if damage == "flip":
        data[100] ^= 1
    else:
        del data[-1]
    victim.write_bytes(bytes(data))
    with pytest.raises(PartError, match=victim.name + ".*expected"):
        join([tmp_path / "outbox"], tmp_path / "back")
    assert not (tmp_path / "back" / "runs").exists()


def test_limits_refuse_parts_and_stages_that_do_not_fit(repo, tmp_path):
    with pytest.raises(ValueError, match="part_bytes"):
        DeviceLimits(part_bytes=17 * MIB)
    npz = tmp_path / "data.npz"
    npz.write_bytes(np.random.default_rng(2).bytes(2_000_000))
    kw = dict(config="training/configs/tiny.json", npz=npz, eval_seeds=None)
    manifest = stage(repo, "teacher", tmp_path / "runs" / "tiny", **kw)
    assert manifest["files"]["data/pusht.npz"]["bytes"] == 2_000_000 and "gpu/gpu_segment.py" in manifest["files"]
    assert manifest["job"]["resume"] is False and manifest["job"]["run_dir"] == "runs/tiny"
    assert manifest["job"]["info"]["code_commit"] == sh(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(LimitError, match="data/pusht.npz"):
        stage(repo, "teacher", tmp_path / "runs" / "tiny", limits=DeviceLimits(travel_bytes=2 * MIB), **kw)
    assert not (repo / ".gpu" / "stage").exists()  # a refused stage is not left behind to be carried


def test_budget_keeps_reserves_for_evaluation_and_packing():
    job = GpuJob(kind="teacher", run_dir="runs/t", config="c.json", call_budget_s=540)
    b = plan_budget(job, elapsed_s=5)
    assert (b.train_s, b.train_kill_s, b.eval_kill_s) == (540 - 5 - 30 - 150 - 45, 540 - 5 - 30 - 150, 150)
    assert plan_budget(GpuJob(kind="teacher", run_dir="r", config="c", eval_seeds=None), 0).train_s == 540 - 30 - 45
    with pytest.raises(LimitError, match="call_budget_s"):
        plan_budget(job, elapsed_s=400)
    argv = train_argv(GpuJob(kind="distill", run_dir="runs/s", resume=True), 300)
    assert argv[:3] == ["distill", "--resume", "runs/s"] and "time_budget_s=300" in argv and "val_workers=16" in argv
    fresh = train_argv(GpuJob(kind="distill", run_dir="runs/s", config="c.json", teacher="models/t"), 300)
    assert fresh[:7] == ["distill", "--teacher", "models/t", "--config", "c.json", "--out", "runs/s"]
    assert "--time-budget-s" in train_argv(job, 300)


needs_data = pytest.mark.skipif(not DEFAULT_ZARR_PATH.exists(), reason=f"dataset not at {DEFAULT_ZARR_PATH}")


@pytest.fixture(scope="module")
def tiny_npz(tmp_path_factory):
    """Episodes 0 and 1 of the real buffer, without images, as the stage's npz."""
    from oneflow_train.data.replay_buffer import ReplayBuffer, load_replay_buffer
    from oneflow_train.teacher_data import export_npz

    full = load_replay_buffer()
    end = int(full.episode_ends[1])
    buf = ReplayBuffer(path=full.path, episode_ends=full.episode_ends[:2], state=full.state[:end],
                       action=full.action[:end], keypoint=full.keypoint[:end], n_contacts=full.n_contacts[:end])
    return export_npz(buf, tmp_path_factory.mktemp("npz") / "tiny.npz", with_images=False)


@needs_data
def test_a_zero_time_budget_ends_the_segment_resumable(tmp_path, tiny_npz):
    from oneflow_train.policies.teacher_config import TeacherConfig
    from oneflow_train.teacher_data import fit_normalizer, load_npz, make_teacher_data
    from oneflow_train.train_teacher import TrainConfig, train

    buf = load_npz(tiny_npz)
    pcfg = TeacherConfig.from_dict(TINY_CONFIG["policy"])
    data = make_teacher_data(pcfg, buf, episodes=[0, 1])
    trainer = train(pcfg, TrainConfig.from_dict(TINY_CONFIG["train"]), data, fit_normalizer(pcfg, buf), tmp_path / "r",
                    show_progress=False, time_budget_s=0.0)
    assert trainer.step_count == 0
    assert (tmp_path / "r" / "latest" / "train_state.pt").exists() and not (tmp_path / "r" / "final").exists()


def _segment(stage_dir: Path, out: Path) -> None:
    r = subprocess.run([sys.executable, "gpu/gpu.py", "segment", "--out", str(out)], cwd=stage_dir,
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


@needs_data
def test_resume_round_trip_through_stage_parts_and_join_equals_one_unbroken_run(repo, tmp_path, tiny_npz):
    from safetensors.torch import load_file

    from oneflow_train.policies.teacher_config import TeacherConfig
    from oneflow_train.teacher_data import fit_normalizer, load_npz, make_teacher_data
    from oneflow_train.train_teacher import TrainConfig, train

    buf = load_npz(tiny_npz)
    pcfg = TeacherConfig.from_dict(TINY_CONFIG["policy"])
    torch.set_num_threads(1)
    train(pcfg, TrainConfig.from_dict(TINY_CONFIG["train"]), make_teacher_data(pcfg, buf, episodes=[0, 1]),
          fit_normalizer(pcfg, buf), tmp_path / "unbroken", show_progress=False)

    here = tmp_path / "here"  # this machine's runs/, filled from what comes back
    kw = dict(config="training/configs/tiny.json", npz=tiny_npz, eval_seeds=None, device="cpu", stop_after_steps=2,
              episodes="0,1")
    for segment_no in (1, 2):
        manifest = stage(repo, "teacher", here / "runs" / "tiny", **kw)
        assert manifest["job"]["resume"] is (segment_no == 2)
        _segment(repo / ".gpu" / "stage", tmp_path / f"out{segment_no}")
        if segment_no == 2:  # the segment worked on copies: the local run directory changes only by join
            assert [json.loads(x)["step"] for x in (here / "runs/tiny/log.jsonl").read_text().splitlines()] == [1, 2]
        res = join([tmp_path / f"out{segment_no}"], here)
        assert res["missing"] == {} and res["extracted"]["state"] == ["runs/tiny/latest/train_state.pt"]
        assert "runs/tiny/segment.json" in res["extracted"]["result"]
        shutil.rmtree(repo / ".gpu")
    log = [json.loads(line) for line in (here / "runs" / "tiny" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3, 4]
    for sub in ("latest", "final"):
        a = load_file(tmp_path / "unbroken" / sub / "model.safetensors")
        b = load_file(here / "runs" / "tiny" / sub / "model.safetensors")
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_an_eval_job_stages_the_policy_and_wheels_and_evaluates_on_the_cpu(repo, tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for name in ("pymunk", "cffi", "pycparser", "shapely", "pygame"):
        (wheels / f"{name}-1.0-py3-none-any.whl").write_bytes(b"w")
    policy = REPO / "test" / "fixtures" / "models" / "tiny_onestep.onnx"
    manifest = stage(repo, "eval", tmp_path / "runs" / "eval_tiny", policy=str(policy), wheels_dir=wheels,
                     device="cpu", eval_seeds="100000:100002", eval_workers=1)
    job = manifest["job"]
    assert job["policy"] == "policies/tiny_onestep.onnx" and "policies/tiny_onestep.onnx" in manifest["files"]
    assert "data/pusht.npz" not in manifest["files"]  # an evaluation reads no data
    assert len(job["wheels"]) == 5  # pygame too: an ONNX file may read the camera
    assert plan_budget(GpuJob(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in job.items()}), 0).eval_kill_s \
        == 540 - 30
    _segment(repo / ".gpu" / "stage", tmp_path / "out")
    res = join([tmp_path / "out"], tmp_path / "back")
    result = json.loads((tmp_path / "back" / "runs" / "eval_tiny" / "eval_tiny_onestep_100000-100002.json").read_text())
    assert result["n_episodes"] == 2 and 0.0 <= result["mean_score"] <= 1.0
    assert "state" not in res["extracted"]


def test_a_state_too_large_for_one_call_goes_over_two_and_is_received_checked(repo, tmp_path):
    from gpu_inbox import SECOND_STAGE, receive_state

    run = tmp_path / "runs" / "big"
    (run / "latest").mkdir(parents=True)
    state = np.random.default_rng(3).bytes(3 * MIB)
    (run / "latest" / "train_state.pt").write_bytes(state)  # stands in for an 80 MB train_state.pt
    (run / "latest" / "model.safetensors").write_bytes(b"w" * 1000)
    npz = tmp_path / "data.npz"
    npz.write_bytes(b"n" * 1000)
    kw = dict(config="training/configs/tiny.json", npz=npz, eval_seeds=None)
    one = stage(repo, "teacher", run, **kw)
    whole = sum(i.size_bytes for i in as_if_hidden(travel_set(repo, (".gpu/stage",)), ("models",)))
    limits = DeviceLimits(travel_bytes=whole - MIB, manifest_reserve_bytes=4096, split_margin_bytes=0)  # 2 of 3 MiB
    with pytest.raises(LimitError, match="--calls 2"):
        stage(repo, "teacher", run, limits=limits, **kw)
    two = stage(repo, "teacher", run, limits=limits, calls=2, **kw)
    assert one["calls"] == 1 and two["calls"] == 2 and two["job"]["resume"] is True
    st, second = repo / ".gpu" / "stage", repo / ".gpu" / SECOND_STAGE
    assert not (st / "runs/big/latest/train_state.pt").exists()
    for carried in (".gpu/stage", f".gpu/{SECOND_STAGE}"):  # each call fits on its own
        assert sum(i.size_bytes for i in as_if_hidden(travel_set(repo, (carried,)), ("models",))) <= limits.travel_bytes
    shutil.move(second, tmp_path / "cold")  # the machine went cold: call 2's inbox is not there
    with pytest.raises(RuntimeError, match="went cold"):
        receive_state(st)
    shutil.move(tmp_path / "cold", second)
    assert receive_state(st) == ["runs/big/latest/train_state.pt"]
    assert (st / "runs/big/latest/train_state.pt").read_bytes() == state
    victim = next((second / "inbox").glob("statein.tar.*"))
    victim.write_bytes(victim.read_bytes()[:-1])
    with pytest.raises(PartError, match=victim.name):
        receive_state(st)
