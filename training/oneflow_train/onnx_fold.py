"""Constant folding for traced ONNX pieces, so every intermediate of an exported policy has a static shape.

The TorchScript exporter leaves small shape computations in the graph (e.g. the UNet's `t.expand(B)` becomes
ConstantOfShape → Mul → Equal → Where → Expand); ONNX shape inference cannot see through them, and then the
Conv/Gemm shapes downstream (Loop bodies included) stay unknown and `oneflow inspect` cannot count FLOPs.
`fold_constants` evaluates every node whose inputs are all constants with the ONNX reference evaluator and replaces
it by an initializer (small outputs only), recursively inside subgraphs. Semantics are unchanged.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

MAX_FOLDED_ELEMENTS = 4096  # never materialise big tensors (e.g. a folded Expand of weights)
NEVER_FOLD = {"Loop", "If", "Scan", "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
              "Multinomial", "Bernoulli"}


def _eval_node(node: onnx.NodeProto, values: dict[str, np.ndarray], opset: int) -> list[np.ndarray] | None:
    inputs = [n for n in node.input if n]
    g = helper.make_graph(
        [node], "fold",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(values[n].dtype), values[n].shape) for n in inputs],
        [helper.make_empty_tensor_value_info(o) for o in node.output])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    try:
        return list(ReferenceEvaluator(model).run(None, {n: values[n] for n in inputs}))
    except Exception:  # noqa: BLE001 — an op the reference evaluator cannot run is simply left in the graph
        return None


def _fold_graph(graph: onnx.GraphProto, opset: int) -> int:
    values: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    small = lambda a: a.size <= MAX_FOLDED_ELEMENTS  # noqa: E731
    kept, folded = [], 0
    for node in graph.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                folded += _fold_graph(a.g, opset)
        if node.op_type == "Constant" and node.output[0]:
            out = _eval_node(node, values, opset)
            if out is not None:
                values[node.output[0]] = out[0]
            kept.append(node)
            continue
        inputs = [n for n in node.input if n]
        if (node.domain in ("", "ai.onnx") and node.op_type not in NEVER_FOLD and inputs
                and all(n in values for n in inputs) and all(small(values[n]) for n in inputs)):
            out = _eval_node(node, values, opset)
            if out is not None and all(small(np.asarray(o)) for o in out):
                for name, arr in zip(node.output, out):
                    arr = np.asarray(arr)
                    values[name] = arr
                    graph.initializer.append(numpy_helper.from_array(arr, name))
                folded += 1
                continue
        kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)
    return folded


def _used_names(graph: onnx.GraphProto, out: set[str]) -> set[str]:
    """Every value name consumed by a node (subgraphs included, they may read outer values) or output."""
    for node in graph.node:
        out.update(n for n in node.input if n)
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                _used_names(a.g, out)
    out.update(o.name for o in graph.output)
    return out


def _prune_graph(graph: onnx.GraphProto, used: set[str]) -> int:
    """Drops initializers and Constant nodes nobody reads (folding leaves the old chain behind)."""
    removed = 0
    for node in graph.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                removed += _prune_graph(a.g, used)
    keep_init = [t for t in graph.initializer if t.name in used]
    keep_nodes = [n for n in graph.node if not (n.op_type == "Constant" and n.output[0] not in used)]
    removed += len(graph.initializer) - len(keep_init) + len(graph.node) - len(keep_nodes)
    del graph.initializer[:]
    graph.initializer.extend(keep_init)
    del graph.node[:]
    graph.node.extend(keep_nodes)
    return removed


def fold_constants(model: onnx.ModelProto) -> int:
    """Folds constant subexpressions in place (main graph and subgraphs), then drops what no node reads any more;
    returns the number of nodes folded."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 17)
    folded = _fold_graph(model.graph, opset)
    while _prune_graph(model.graph, _used_names(model.graph, set())):
        pass
    return folded
