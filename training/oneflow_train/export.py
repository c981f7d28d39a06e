"""Export a checkpoint as ONE self-contained ONNX policy (docs/contract.md).

    state (1,To,5) raw ─► prelude: featurise + normalise (+ image encoder) ─► global_cond (1,C)
    noise (1,S,Ha,Da) ──► x = noise[:,0] ─► Loop over the sampler's steps (the network ONCE in the body; per-step
                          timestep/coefficients/noise index read from tables by the iteration number)
                      ─► x̂_0 (clipped inside each step) ─► unnormalise ─► action (1,Ha,Da) raw

Each piece is traced with the TorchScript exporter (`dynamo=False`, opset 17) from the policy's own modules, then
stitched into one graph with a Loop; one-step students are traced whole. The stitched model gets ONNX shape
inference (so `oneflow inspect` finds every shape, Loop body included), the `oneflow.policy` metadata, a full
checker pass, and is saved. Unrolling was rejected: DDPM-100 would hold 100 copies of the UNet (≈ 100 × 4 MB for
the CPU teacher).

Samplers: "ddpm100" (teacher, S = 100 noise slices), "ddim:N" (teacher, deterministic, S = 1), "onestep"
(OneFlow student, S = 1), "twostep" (the student's CM-style 2-step sampler, S = 2), "threestep" (CP's chaining, S = 3).
"""
from __future__ import annotations

import difflib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from .export_contract import METHODS, OPSET, attach_metadata, policy_metadata
from .onnx_fold import fold_constants
from .policies.teacher import TeacherPolicy, parse_sampler
from .sampling import ddim_timesteps

SAMPLER_HELP = "ddpm100 | ddim:N (teacher) | onestep | twostep (OneFlow student) | onestep | threestep (CP student)"
STUDENT_STEPS = {"onestep": 1, "twostep": 2, "threestep": 3}  # a student lists the ones it takes in `sampler_steps`


# ----------------------------------------------------------------------------------------------------------------
# The traced pieces
# ----------------------------------------------------------------------------------------------------------------
def teacher_of(policy: nn.Module) -> TeacherPolicy:
    """The TeacherPolicy holding the network: the policy itself, or a student's backbone."""
    if isinstance(policy, TeacherPolicy):
        return policy
    backbone = getattr(policy, "backbone", None)
    if isinstance(backbone, TeacherPolicy):
        return backbone
    raise TypeError(f"cannot export {type(policy).__name__}: neither a TeacherPolicy nor a policy with one as `backbone`")


class _Prelude(nn.Module):
    """Raw observation -> global conditioning (1, C): keypoint featurisation, normalisation, image encoder."""

    def __init__(self, teacher: TeacherPolicy):
        super().__init__()
        self.teacher = teacher

    def forward(self, state: torch.Tensor, image: torch.Tensor | None = None) -> torch.Tensor:
        return self.teacher.global_cond(state, image)


class _Unnormalise(nn.Module):
    def __init__(self, teacher: TeacherPolicy):
        super().__init__()
        self.teacher = teacher

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.teacher.unnormalize_action(x)


class _SamplerStep(nn.Module):
    """One step j of DDPM or DDIM, with every per-step constant in a table indexed by the Loop iteration j.

    The arithmetic mirrors `sampling.ddpm_sample` / `ddim_sample` operation by operation (same float32 constants),
    so ONNX and PyTorch agree to float rounding."""

    def __init__(self, teacher: TeacherPolicy, kind: str, n_steps: int):
        super().__init__()
        self.unet = teacher.unet
        self.clip = bool(teacher.config.clip_sample)
        self.kind = kind
        s = teacher.schedule
        b, a, ac = s.betas, s.alphas, s.alphas_cumprod
        one = torch.tensor(1.0)
        T = s.num_train_timesteps
        ks = list(range(T - 1, -1, -1)) if kind == "ddpm" else ddim_timesteps(n_steps, T)
        rows = []
        for j, k in enumerate(ks):
            a_t = ac[k]
            if kind == "ddpm":
                a_prev = ac[k - 1] if k > 0 else one
                c_x0 = a_prev.sqrt() * b[k] / (1 - a_t)
                c_xt = a[k].sqrt() * (1 - a_prev) / (1 - a_t)
                sigma = ((1 - a_prev) / (1 - a_t) * b[k]).clamp(min=1e-20).sqrt() if k > 0 else torch.tensor(0.0)
                c_eps = torch.tensor(0.0)
            else:
                a_prev = ac[ks[j + 1]] if j + 1 < len(ks) else one
                c_x0, c_xt, sigma = a_prev.sqrt(), torch.tensor(0.0), torch.tensor(0.0)
                c_eps = (1 - a_prev).sqrt()
            rows.append(torch.stack([(1 - a_t).sqrt(), a_t.sqrt(), c_x0, c_xt, c_eps, sigma]).to(torch.float32))
        self.register_buffer("coef", torch.stack(rows))  # (N, 6)
        self.register_buffer("k_table", torch.tensor(ks, dtype=torch.long))  # (N,)
        # ancestral noise of step j is noise[:, j+1]; the last step adds none (index clamped, sigma = 0)
        self.register_buffer("noise_index", torch.tensor([min(j + 1, len(ks) - 1) for j in range(len(ks))], dtype=torch.long))
        self.n_steps = len(ks)

    def forward(self, j: torch.Tensor, x: torch.Tensor, cond: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        c = self.coef[j]  # (6,)
        eps = self.unet(x, self.k_table[j].reshape(1), cond)
        x0 = (x - c[0] * eps) / c[1]
        if self.clip:
            x0 = x0.clamp(-1.0, 1.0)
        if self.kind == "ddpm":
            x = c[2] * x0 + c[3] * x
            return x + c[5] * noise[:, self.noise_index[j]]
        return c[2] * x0 + c[4] * eps


class _StudentSampler(nn.Module):
    """A whole few-step student (1 or 2 network calls): raw obs + noise -> raw action, traced without a Loop."""

    def __init__(self, student: nn.Module, uses_image: bool, n_steps: int):
        super().__init__()
        self.student = student
        self.uses_image = uses_image
        self.n_steps = n_steps

    def forward(self, state: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        image, noise = (rest[0], rest[1]) if self.uses_image else (None, rest[0])
        return self.student.sample(state, image, noise, self.n_steps)


# ----------------------------------------------------------------------------------------------------------------
# Tracing and stitching
# ----------------------------------------------------------------------------------------------------------------
def _trace(module: nn.Module, args: tuple, input_names: list[str], output_names: list[str]) -> onnx.ModelProto:
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TracerWarnings about python ints/asserts on static shapes
        torch.onnx.export(module, args, buf, input_names=input_names, output_names=output_names, opset_version=OPSET,
                          do_constant_folding=True, dynamo=False)
    return onnx.load_from_string(buf.getvalue())


def _rename_graph(g: onnx.GraphProto, prefix: str, keep: set[str]) -> None:
    """Prefix every value, node and initializer name of a traced piece except the interface names in `keep`."""
    def rn(name: str) -> str:
        return name if name == "" or name in keep else prefix + name

    for node in g.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            raise ValueError(f"traced piece {prefix!r} unexpectedly contains a subgraph ({node.op_type})")
        node.input[:] = [rn(n) for n in node.input]
        node.output[:] = [rn(n) for n in node.output]
        node.name = prefix + (node.name or node.op_type)
    for t in g.initializer:
        t.name = rn(t.name)
    for v in [*g.input, *g.output, *g.value_info]:
        v.name = rn(v.name)


def _dummy_inputs(teacher: TeacherPolicy, S: int) -> dict[str, torch.Tensor]:
    cfg = teacher.config
    Ds = 2 if cfg.uses_image else 5  # image policies take the agent position only (contract)
    d = {"state": torch.full((1, cfg.n_obs_steps, Ds), 256.0), "noise": torch.zeros(1, S, cfg.horizon, cfg.action_dim)}
    if cfg.uses_image:
        d["image"] = torch.zeros(1, cfg.n_obs_steps, 96, 96, 3, dtype=torch.uint8)
    return d


def build_onnx(policy: nn.Module, sampler: str) -> onnx.ModelProto:
    """The policy + sampler as one ONNX ModelProto (no metadata yet)."""
    teacher = teacher_of(policy).eval()
    cfg = teacher.config
    obs_names = ["state", "image"] if cfg.uses_image else ["state"]
    if sampler in STUDENT_STEPS:
        if policy is teacher:
            raise ValueError(f"sampler {sampler!r} needs a OneFlow student checkpoint; a teacher exports as ddpm100 or ddim:N")
        n_steps = STUDENT_STEPS[sampler]
        d = _dummy_inputs(teacher, n_steps)
        return _trace(_StudentSampler(policy.eval(), cfg.uses_image, n_steps), tuple(d[n] for n in [*obs_names, "noise"]),
                      [*obs_names, "noise"], ["action"])
    if policy is not teacher:
        raise ValueError(f"sampler {sampler!r} is a teacher sampler; a student exports as 'onestep'")
    kind, n = parse_sampler(sampler, cfg.num_train_timesteps)
    step = _SamplerStep(teacher, kind, n).eval()
    S = step.n_steps if kind == "ddpm" else 1
    d = _dummy_inputs(teacher, S)
    with torch.no_grad():
        cond = teacher.global_cond(d["state"], d.get("image"))
    x = torch.zeros(1, cfg.horizon, cfg.action_dim)
    pre = _trace(_Prelude(teacher), tuple(d[n_] for n_ in obs_names), obs_names, ["global_cond"])
    body = _trace(step, (torch.tensor(0, dtype=torch.long), x, cond, d["noise"]),
                  ["iter", "x_in", "global_cond", "noise"], ["x_out"])
    post = _trace(_Unnormalise(teacher), (x,), ["x_final"], ["action"])
    for piece, prefix, keep in ((pre, "pre/", {*obs_names, "global_cond"}),
                                (body, "step/", {"iter", "x_in", "global_cond", "noise", "x_out"}),
                                (post, "post/", {"x_final", "action"})):
        _rename_graph(piece.graph, prefix, keep)

    bg = body.graph
    body_graph = helper.make_graph(
        [*bg.node, helper.make_node("Identity", ["cond_in"], ["cond_out"], name="step/keep_going")],
        f"{sampler}_step",
        [helper.make_tensor_value_info("iter", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         next(v for v in bg.input if v.name == "x_in")],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), *bg.output],
        list(bg.initializer), value_info=list(bg.value_info))
    glue_init = [numpy_helper.from_array(np.array(step.n_steps, np.int64), "loop/trip_count"),
                 numpy_helper.from_array(np.array(True), "loop/keep_going"),
                 numpy_helper.from_array(np.array(0, np.int64), "loop/x_T_index")]
    nodes = [*pre.graph.node,
             helper.make_node("Gather", ["noise", "loop/x_T_index"], ["x_T"], axis=1, name="loop/x_T"),
             helper.make_node("Loop", ["loop/trip_count", "loop/keep_going", "x_T"], ["x_final"], body=body_graph,
                              name=f"loop/{sampler}"),
             *post.graph.node]
    noise_vi = helper.make_tensor_value_info("noise", TensorProto.FLOAT, [1, S, cfg.horizon, cfg.action_dim])
    graph = helper.make_graph(
        nodes, f"oneflow_{cfg.name}_{sampler}", [*pre.graph.input, noise_vi], list(post.graph.output),
        [*pre.graph.initializer, *glue_init, *post.graph.initializer],
        value_info=[*pre.graph.value_info, *post.graph.value_info])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="oneflow-train",
                              producer_version=torch.__version__)
    model.ir_version = pre.ir_version
    return model


# ----------------------------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportResult:
    path: Path
    metadata: dict[str, Any]
    file_size_bytes: int


def student_method(policy: nn.Module) -> str:
    """The metadata `method` of a few-step student: its `export_method` attribute, else the prefix of its checkpoint
    kind ("oneflow_student" -> "oneflow", "cp_student" -> "cp", ...). Baseline students (CP, OneDP, VDD) export
    through the same path when they hold a TeacherPolicy `backbone` and `sample(state, image, noise, n_steps)`."""
    method = getattr(policy, "export_method", None) or str(getattr(policy, "checkpoint_kind", "oneflow")).split("_")[0]
    if method not in METHODS:
        raise ValueError(f"{type(policy).__name__}: export method {method!r} not in {METHODS}; set `export_method`")
    return method


def sampler_facts(policy: nn.Module, sampler: str) -> tuple[str, int, int]:
    """(method, network calls per inference, noise slices S) of a policy exported with `sampler`; a ValueError naming
    the sampler, the samplers this checkpoint takes and the closest one when it takes no such sampler."""
    teacher = teacher_of(policy)
    steps = teacher.config.num_train_timesteps
    student = policy is not teacher
    student_samplers = [n for n, s in STUDENT_STEPS.items() if s in getattr(policy, "sampler_steps", (1, 2))]
    if student and sampler in student_samplers:
        return student_method(policy), STUDENT_STEPS[sampler], STUDENT_STEPS[sampler]
    if not student and (sampler in (f"ddpm{steps}", "ddpm") or (sampler.startswith("ddim:") and sampler[5:].isdigit())):
        kind, n = parse_sampler(sampler, steps)
        return kind, n, (n if kind == "ddpm" else 1)
    accepted = student_samplers if student else [f"ddpm{steps}", "ddim:N"]
    close = difflib.get_close_matches(sampler, [a.replace(":N", ":16") for a in accepted], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    other = ("a teacher sampler" if student and sampler[:4] in ("ddpm", "ddim") else
             "a student sampler" if not student and sampler in STUDENT_STEPS else "")
    raise ValueError(f"sampler {sampler!r}{f' ({other})' if other else ''} does not fit this {type(policy).__name__} "
                     f"checkpoint: expected {' | '.join(accepted)}{hint}")


def export_policy(policy: nn.Module, sampler: str, out: str | Path, *, name: str,
                  provenance: dict[str, Any] | None = None, eval_result: dict[str, Any] | None = None) -> ExportResult:
    """Export `policy` with `sampler` to `out` (an .onnx path) with contract metadata; returns what was written."""
    teacher = teacher_of(policy)
    cfg = teacher.config
    method, calls, S = sampler_facts(policy, sampler)
    model = build_onnx(policy, sampler)
    fold_constants(model)
    model = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
    meta = policy_metadata(
        name=name, method=method, sampler=sampler, network_calls_per_inference=calls,
        noise_shape=[1, S, cfg.horizon, cfg.action_dim], n_obs_steps=cfg.n_obs_steps, horizon=cfg.horizon,
        n_action_steps=cfg.n_action_steps, image_hw=(96, 96) if cfg.uses_image else None,
        provenance=provenance, eval_result=eval_result)
    attach_metadata(model, meta)
    onnx.checker.check_model(model, full_check=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    return ExportResult(out, meta, out.stat().st_size)
