"""ONNX export: onnxruntime == PyTorch (<= 1e-4 normalised units) on real Push-T observations with fixed noise for
every exported method; TS `oneflow inspect` FLOPs within 2 % of the Python forward-hook count; contract metadata.

Tiny randomly initialised policies (UNet widths 16/32) keep this to seconds; the export path is the real one.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from oneflow_train.data.keypoints import keypoint_obs_from_state
from oneflow_train.data.normalizer import Normalizer
from oneflow_train.data.replay_buffer import load_replay_buffer
from oneflow_train.export import export_policy, sampler_facts
from oneflow_train.export_contract import METADATA_KEY
from oneflow_train.export_parity import dataset_observations, normalised_action_error, onnx_predict, torch_predict
from oneflow_train.flops import count_flops
from oneflow_train.policies.oneflow_student import OneFlowStudentPolicy
from oneflow_train.policies.teacher import TeacherPolicy
from oneflow_train.policies.teacher_config import TeacherConfig

REPO = Path(__file__).resolve().parents[2]
TOL = 1e-4


def tiny_teacher(seed: int = 0) -> TeacherPolicy:
    """A randomly initialised tiny keypoint teacher whose normaliser is fit on the real dataset."""
    buf = load_replay_buffer()
    norm = Normalizer().fit({"obs": keypoint_obs_from_state(buf.state), "action": buf.action})
    torch.manual_seed(seed)
    cfg = TeacherConfig(name="tiny_teacher", down_dims=(16, 32), kernel_size=3, n_groups=4, step_embed_dim=16)
    return TeacherPolicy(cfg, norm).eval()


@pytest.fixture(scope="module")
def teacher() -> TeacherPolicy:
    torch.set_num_threads(1)
    return tiny_teacher()


@pytest.fixture(scope="module")
def student(teacher: TeacherPolicy) -> OneFlowStudentPolicy:
    s = OneFlowStudentPolicy.from_teacher(teacher, name="tiny_student")
    with torch.no_grad():  # perturb so the student is not the teacher's exact copy
        for p in s.parameters():
            p.add_(0.01 * torch.randn_like(p))
    return s.eval()


@pytest.fixture(scope="module")
def observations() -> np.ndarray:
    state, _ = dataset_observations(2, 2, seed=3)
    return state


def inspect_json(path: Path) -> dict:
    """`node dist/src/cli.js inspect --json` (builds the TS once if dist/ is missing)."""
    cli = REPO / "dist" / "src" / "cli.js"
    if not cli.exists():
        subprocess.run(["npx", "tsc", "-p", "tsconfig.json"], cwd=REPO, check=True)
    r = subprocess.run(["node", str(cli), "inspect", str(path), "--json"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode in (0, 3), r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("which,sampler", [("teacher", "ddpm100"), ("teacher", "ddim:16"), ("student", "onestep"),
                                           ("student", "twostep")])
def test_parity_flops_and_metadata(which, sampler, teacher, student, observations, tmp_path):
    policy = teacher if which == "teacher" else student
    method, calls, S = sampler_facts(policy, sampler)
    out = tmp_path / f"{which}_{sampler.replace(':', '')}.onnx"
    result = export_policy(policy, sampler, out, name=out.stem, provenance={"dataset": "test"})

    # parity: onnxruntime vs the PyTorch sampler, fixed noise, real observations
    noise = np.random.default_rng(7).standard_normal((len(observations), S, 16, 2)).astype(np.float32)
    a_onnx = onnx_predict(out, observations, noise)
    a_torch = torch_predict(policy, sampler, observations, noise)
    err = normalised_action_error(policy, a_onnx, a_torch)
    assert err <= TOL, f"{sampler}: max |Δ| {err:.2e} normalised units > {TOL}"
    assert np.all((a_onnx >= 0) & (a_onnx <= 512)), "clipped actions must stay in the normaliser's range"

    # FLOPs: the TS graph count vs the Python forward-hook count
    report = inspect_json(out)
    hooks = count_flops(policy, sampler, observations[:1], noise[:1]).total
    assert report["flops"]["unresolved"] == []
    assert abs(report["flopsPerInference"] - hooks) <= 0.02 * hooks, (report["flopsPerInference"], hooks)

    # contract: signature + metadata as the node sees them
    assert report["contract"]["ok"], report["contract"]
    assert [i["shape"] for i in report["inputs"]] == [[1, 2, 5], [1, S, 16, 2]]
    assert report["policy"]["method"] == method and report["policy"]["network_calls_per_inference"] == calls
    assert report["policy"]["sampler"] == sampler
    assert report["opsetImports"][0]["version"] == 17
    assert json.loads({p.key: p.value for p in onnx.load(out).metadata_props}[METADATA_KEY]) == result.metadata


def test_ddpm_is_a_loop_not_unrolled(teacher, tmp_path):
    """DDPM-100 holds the UNet once (a Loop over the schedule): the file is about as large as the DDIM one."""
    ddpm = export_policy(teacher, "ddpm100", tmp_path / "a.onnx", name="a")
    ddim = export_policy(teacher, "ddim:4", tmp_path / "b.onnx", name="b")
    loops = [n for n in onnx.load(ddpm.path).graph.node if n.op_type == "Loop"]
    assert len(loops) == 1
    assert ddpm.file_size_bytes < 1.1 * ddim.file_size_bytes


def test_export_refuses_a_sampler_of_the_wrong_kind(teacher, student, tmp_path):
    with pytest.raises(ValueError, match="onestep"):
        export_policy(teacher, "onestep", tmp_path / "x.onnx", name="x")
    with pytest.raises(ValueError, match="teacher sampler"):
        export_policy(student, "ddpm100", tmp_path / "y.onnx", name="y")
    with pytest.raises(ValueError, match="DDIM steps"):
        export_policy(teacher, "ddim:0", tmp_path / "z.onnx", name="z")


def test_export_command_end_to_end(teacher, tmp_path):
    """`oneflow-train export` on a saved checkpoint: writes the file and passes its own parity check."""
    from oneflow_train.checkpoint import save_checkpoint
    from oneflow_train.cli import main

    ckpt = save_checkpoint(tmp_path / "ckpt", teacher, {"provenance": {"seed": 0, "train_episodes": [0, 1]}})
    out = tmp_path / "models" / "t.onnx"
    eval_json = tmp_path / "eval.json"
    eval_json.write_text(json.dumps({"mean_score": 0.5, "success_rate": 0.25, "n_episodes": 4, "seeds": "100000:100004",
                                     "run": {"command": "oneflow-train eval ..."}}))
    assert main(["export", str(ckpt), "--sampler", "ddim:2", "--out", str(out), "--parity-samples", "1",
                 "--eval-json", str(eval_json)]) == 0
    meta = json.loads({p.key: p.value for p in onnx.load(out).metadata_props}[METADATA_KEY])
    assert meta["provenance"]["train_episodes"] == [0, 1] and meta["provenance"]["checkpoint"] == str(ckpt)
    assert meta["eval"]["mean_score"] == 0.5 and meta["eval"]["seeds"] == "100000:100004"
    card = json.loads((out.parent / "t.card.json").read_text())
    assert card["parity"]["ok"] and card["flops_per_inference_hooks"] > 0 and card["metadata"] == meta


def test_image_student_export(tmp_path):
    """Image policy: `image` uint8 [1,2,96,96,3] + agent-only `state` [1,2,2], parity on real frames, contract OK."""
    torch.manual_seed(2)
    buf = load_replay_buffer()
    norm = Normalizer().fit({"agent_pos": buf.state[:, :2], "action": buf.action})
    cfg = TeacherConfig(name="tiny_image", obs_type="image", image_backbone="small_cnn", num_kp=8, image_feature_dim=16,
                        down_dims=(16, 32), kernel_size=3, n_groups=4, step_embed_dim=16)
    policy = OneFlowStudentPolicy.from_teacher(TeacherPolicy(cfg, norm).eval()).eval()
    out = export_policy(policy, "onestep", tmp_path / "img.onnx", name="img").path
    state, image = dataset_observations(2, 2, with_image=True, seed=5)
    noise = np.random.default_rng(1).standard_normal((2, 1, 16, 2)).astype(np.float32)
    err = normalised_action_error(policy, onnx_predict(out, state, noise, image), torch_predict(policy, "onestep", state, noise, image))
    assert err <= TOL, err
    report = inspect_json(out)
    assert report["contract"]["ok"], report["contract"]
    assert {i["name"]: i["shape"] for i in report["inputs"]} == {"state": [1, 2, 2], "image": [1, 2, 96, 96, 3], "noise": [1, 1, 16, 2]}
    hooks = count_flops(policy, "onestep", state[:1], noise[:1], image[:1]).total
    assert abs(report["flopsPerInference"] - hooks) <= 0.02 * hooks, (report["flopsPerInference"], hooks)
