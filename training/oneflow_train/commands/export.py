"""`oneflow-train export <checkpoint> --sampler ddpm100|ddim:N|onestep --out models/<name>.onnx`.

Writes one self-contained ONNX policy (docs/contract.md) and checks it: onnxruntime vs the PyTorch policy on real
dataset observations with fixed noise (max error in normalised action units, must be <= --tolerance).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("checkpoint", help="checkpoint directory (config.json, model.safetensors, normalizer.json)")
    parser.add_argument("--sampler", required=True, help="ddpm100 | ddim:N (teacher) | onestep | twostep (OneFlow student) | onestep | threestep (CP student)")
    parser.add_argument("--out", required=True, help="output path, e.g. models/pusht_keypoints_teacher_ddpm100.onnx")
    parser.add_argument("--name", default=None, help="policy name in the metadata (default: the output file stem)")
    parser.add_argument("--eval-json", default=None,
                        help="result JSON of `oneflow-train eval` (or FILE.json:key.path inside another result) "
                             "to ship in the metadata's `eval` field")
    parser.add_argument("--parity-samples", type=int, default=4,
                        help="dataset observations for the ONNX-vs-PyTorch check (0 skips it)")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="parity tolerance, normalised action units")
    parser.add_argument("--no-card", action="store_true",
                        help="skip the model card <out stem>.card.json (metadata, sha256, FLOPs by hooks, parity)")


def _eval_summary(spec: str | None) -> dict | None:
    """`path.json` (an `oneflow-train eval --out` result) or `path.json:a.b` (the object at keys a.b inside it, e.g.
    `docs/results/student_keypoints_cpu_match.json:rollouts.student_1step`; `seeds` may come from an enclosing object)."""
    if spec is None:
        return None
    path, _, keys = spec.partition(".json:")
    path = path if path.endswith(".json") else path + ".json"
    d = json.loads(Path(path).read_text())
    chain = [d]
    for key in filter(None, keys.split(".")):
        chain.append(chain[-1][key])
    src = chain[-1]
    seeds = next((c["seeds"] for c in reversed(chain) if isinstance(c.get("seeds"), str)), None)
    missing = [k for k in ("mean_score", "success_rate") if k not in src] + ([] if seeds else ["seeds"])
    if missing:
        raise ValueError(f"--eval-json {spec}: missing {missing}; expected an `oneflow-train eval --out` result")
    keep = {k: src[k] for k in ("mean_score", "success_rate", "n_episodes", "policy", "policy_args") if k in src}
    keep["seeds"] = seeds
    keep["command"] = (d.get("run") or {}).get("command") or d.get("command")
    keep["source"] = spec
    return keep


def _sha256_json(d: dict) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(d, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _weights_sha256(directory: Path) -> str | None:
    import hashlib

    f = directory / "model.safetensors"
    return hashlib.sha256(f.read_bytes()).hexdigest() if f.exists() else None


def _provenance(checkpoint: Path, config: dict, sampler: str) -> dict:
    """Metadata provenance. `config_sha256`/`weights_sha256` identify the checkpoint; a student carries its teacher's
    (`teacher_config_sha256`, `teacher_weights_sha256` when the teacher directory still exists), so a student and its
    teacher's export pair up even when the teacher was copied (runs/... -> models/...)."""
    prov = dict(config.get("provenance") or {})
    teacher = config.get("teacher")
    teacher_dir = None if teacher is None else Path(teacher.get("dir", ""))
    return {
        "dataset": prov.get("dataset", "pusht_cchi_v7_replay.zarr"),
        "train_episodes": prov.get("train_episodes", []),
        "seed": prov.get("seed", (config.get("train") or {}).get("seed")),
        "epochs": prov.get("epochs", config.get("epoch")),
        "teacher": None if teacher is None else teacher.get("dir"),
        "teacher_config_sha256": None if teacher is None or "config" not in teacher else _sha256_json(teacher["config"]),
        "teacher_weights_sha256": None if teacher_dir is None else _weights_sha256(teacher_dir),
        "checkpoint": str(checkpoint),
        "checkpoint_kind": config.get("kind"),
        "config_sha256": _sha256_json(config),
        "weights_sha256": _weights_sha256(checkpoint),
        "training_code_commit": prov.get("code_commit"),
        "command": "oneflow-train export " + " ".join(sys.argv[2:] if sys.argv and sys.argv[1:2] == ["export"] else sys.argv[1:]),
    }


def run(args) -> int:
    import numpy as np
    import torch

    from ..checkpoint import load_checkpoint, read_config
    from ..export import export_policy, sampler_facts, teacher_of
    from ..export_parity import dataset_observations, normalised_action_error, onnx_predict, torch_predict

    torch.set_num_threads(1)
    ckpt = Path(args.checkpoint)
    policy = load_checkpoint(ckpt)
    config = read_config(ckpt)
    out = Path(args.out)
    name = args.name or out.stem
    result = export_policy(policy, args.sampler, out, name=name, provenance=_provenance(ckpt, config, args.sampler),
                           eval_result=_eval_summary(args.eval_json))
    print(f"wrote {result.path} ({result.file_size_bytes:,} bytes) method={result.metadata['method']} "
          f"sampler={args.sampler} calls={result.metadata['network_calls_per_inference']} "
          f"noise={result.metadata['noise']['shape']}")
    cfg = teacher_of(policy).config
    _, _, S = sampler_facts(policy, args.sampler)
    parity = None
    if args.parity_samples > 0:
        state, image = dataset_observations(args.parity_samples, cfg.n_obs_steps, with_image=cfg.uses_image)
        noise = np.random.default_rng(0).standard_normal((len(state), S, cfg.horizon, cfg.action_dim)).astype(np.float32)
        err = normalised_action_error(policy, onnx_predict(out, state, noise, image), torch_predict(policy, args.sampler, state, noise, image))
        parity = {"observations": len(state), "max_abs_diff_normalised": err, "tolerance": args.tolerance,
                  "ok": err <= args.tolerance, "noise": "default_rng(0).standard_normal", "observation_seed": 0}
        print(f"parity onnxruntime vs PyTorch on {len(state)} dataset observations: max |Δ| = {err:.2e} normalised "
              f"units (tolerance {args.tolerance:g}) {'OK' if parity['ok'] else 'FAILED'}")
    if not args.no_card:
        card = _card(policy, args.sampler, result, parity, S, cfg)
        card_path = out.with_name(out.stem + ".card.json")
        card_path.write_text(json.dumps(card, indent=1) + "\n")
        print(f"wrote {card_path}: {card['flops_per_inference_hooks']:,} FLOPs per inference (PyTorch forward hooks)")
    return 0 if parity is None or parity["ok"] else 1


def _card(policy, sampler: str, result, parity: dict | None, S: int, cfg) -> dict:
    """The model card: what the file is, how it was made, what it costs, and that it matches PyTorch."""
    import hashlib

    import numpy as np

    from ..flops import count_flops

    state = np.array([[[222.0, 97.0, 300.0, 300.0, 0.7]] * cfg.n_obs_steps], np.float32)
    image = np.zeros((1, cfg.n_obs_steps, 96, 96, 3), np.uint8) if cfg.uses_image else None
    flops = count_flops(policy, sampler, state, np.zeros((1, S, cfg.horizon, cfg.action_dim), np.float32), image)
    n_params = sum(p.numel() for p in policy.parameters())
    return {
        "file": result.path.name,
        "sha256": hashlib.sha256(result.path.read_bytes()).hexdigest(),
        "file_size_bytes": result.file_size_bytes,
        "parameters": int(n_params),
        "flops_per_inference_hooks": flops.total,
        "flops_by_module_type": flops.by_module_type,
        "parity": parity,
        "metadata": result.metadata,
        "inspect": f"npx oneflow inspect {result.path}",
    }
