// FLOPs per inference of an ONNX graph, from its static shapes: Conv, ConvTranspose, Gemm and MatMul count 2 FLOPs
// per multiply-accumulate (bias adds, norms and activations are not counted — the same rule as the Python
// forward-hook counter in training/oneflow_train/flops.py). A Loop counts its body times its trip count (the
// constant M input); an If counts its more expensive branch. Shapes come from graph inputs/outputs, value_info
// (export runs ONNX shape inference so every intermediate has one), initializers and Constant nodes.
import type { FlopReport } from './types.js';
import { elementCount, readIntTensor, toNumber, type GraphMsg, type NodeMsg, type TensorMsg, type ValueInfoMsg } from './protoTypes.js';

type Shape = readonly number[];

/** Names visible in a graph: its own values plus everything in enclosing graphs (ONNX outer-scope rule). */
class Scope {
  readonly #shapes = new Map<string, Shape>();
  readonly #consts = new Map<string, TensorMsg>();
  readonly #parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.#parent = parent;
  }
  shape(name: string): Shape | undefined {
    return this.#shapes.get(name) ?? this.#parent?.shape(name);
  }
  constant(name: string): TensorMsg | undefined {
    return this.#consts.get(name) ?? this.#parent?.constant(name);
  }
  addValueInfo(v: ValueInfoMsg): void {
    const dims = v.type?.tensor_type?.shape?.dim;
    if (dims === undefined || dims === null) return;
    const shape: number[] = [];
    for (const d of dims) {
      const n = toNumber(d.dim_value);
      if (!Object.prototype.hasOwnProperty.call(d, 'dim_value') || n <= 0) return; // symbolic or unknown
      shape.push(n);
    }
    this.#shapes.set(v.name, shape);
  }
  addConstant(name: string, t: TensorMsg): void {
    this.#shapes.set(name, t.dims.map(toNumber));
    this.#consts.set(name, t);
  }
}

type Partial = {
  total: number;
  byOpType: Record<string, number>;
  loops: { node: string; tripCount: number | null; bodyFlops: number }[];
  unresolved: { node: string; opType: string; reason: string }[];
};

const attr = (node: NodeMsg, name: string) => node.attribute.find((a) => a.name === name);
const attrInt = (node: NodeMsg, name: string, fallback: number): number => {
  const a = attr(node, name);
  return a === undefined ? fallback : toNumber(a.i);
};
const nodeLabel = (node: NodeMsg, index: number): string => node.name || `${node.op_type}#${index}`;

/** FLOPs of one matmul-like node, or a reason why they cannot be known. */
function nodeFlops(node: NodeMsg, scope: Scope): number | string {
  const shapeOf = (k: number): Shape | undefined => (node.input[k] ? scope.shape(node.input[k]!) : undefined);
  switch (node.op_type) {
    case 'Conv': {
      const w = shapeOf(1);
      const y = node.output[0] ? scope.shape(node.output[0]) : undefined;
      if (w === undefined || y === undefined) return 'weight or output shape unknown';
      return 2 * elementCount(y) * elementCount(w.slice(1)); // each output: C/g * prod(kernel) MACs
    }
    case 'ConvTranspose': {
      const x = shapeOf(0);
      const w = shapeOf(1);
      if (x === undefined || w === undefined) return 'input or weight shape unknown';
      return 2 * elementCount(x) * elementCount(w.slice(1)); // each input: (M/g) * prod(kernel) MACs
    }
    case 'Gemm': {
      const a = shapeOf(0);
      const b = shapeOf(1);
      if (a === undefined || b === undefined || a.length !== 2 || b.length !== 2) return 'A or B shape unknown';
      const [m, k] = attrInt(node, 'transA', 0) ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
      const n = attrInt(node, 'transB', 0) ? b[0]! : b[1]!;
      return 2 * m * k * n;
    }
    case 'MatMul': {
      const a = shapeOf(0);
      const b = shapeOf(1);
      if (a === undefined || b === undefined || a.length === 0 || b.length === 0) return 'A or B shape unknown';
      const k = a[a.length - 1]!;
      const m = a.length >= 2 ? a[a.length - 2]! : 1;
      const n = b.length >= 2 ? b[b.length - 1]! : 1;
      const batchA = a.slice(0, -2);
      const batchB = b.slice(0, -2);
      const rank = Math.max(batchA.length, batchB.length);
      let batch = 1;
      for (let i = 0; i < rank; i++) {
        const da = batchA[batchA.length - rank + i] ?? 1;
        const db = batchB[batchB.length - rank + i] ?? 1;
        batch *= Math.max(da, db);
      }
      return 2 * batch * m * n * k;
    }
    default:
      return 0;
  }
}

function graphFlops(graph: GraphMsg, parent: Scope | undefined, prefix: string): Partial {
  const scope = new Scope(parent);
  for (const t of graph.initializer) scope.addConstant(t.name, t);
  for (const v of [...graph.input, ...graph.output, ...graph.value_info]) scope.addValueInfo(v);
  for (const node of graph.node) {
    const value = node.op_type === 'Constant' ? attr(node, 'value')?.t : undefined;
    if (value && node.output[0]) scope.addConstant(node.output[0], value);
  }
  const out: Partial = { total: 0, byOpType: {}, loops: [], unresolved: [] };
  const add = (op: string, flops: number) => {
    out.total += flops;
    out.byOpType[op] = (out.byOpType[op] ?? 0) + flops;
  };
  const merge = (sub: Partial, times: number) => {
    for (const [op, f] of Object.entries(sub.byOpType)) add(op, f * times);
    out.loops.push(...sub.loops);
    out.unresolved.push(...sub.unresolved);
  };
  graph.node.forEach((node, index) => {
    const label = prefix + nodeLabel(node, index);
    if (node.op_type === 'Loop') {
      const body = attr(node, 'body')?.g;
      if (!body) return;
      const sub = graphFlops(body, scope, `${label}/`);
      const m = node.input[0] ? scope.constant(node.input[0]) : undefined;
      const trip = m === undefined ? null : (readIntTensor(m)?.[0] ?? null);
      out.loops.push({ node: label, tripCount: trip, bodyFlops: sub.total });
      if (trip === null) {
        if (sub.total > 0) out.unresolved.push({ node: label, opType: 'Loop', reason: 'trip count M is not a constant' });
        out.unresolved.push(...sub.unresolved);
        return;
      }
      merge(sub, trip);
      return;
    }
    if (node.op_type === 'If') {
      const branches = ['then_branch', 'else_branch']
        .map((name) => attr(node, name)?.g)
        .filter((g): g is GraphMsg => g !== undefined && g !== null)
        .map((g, k) => graphFlops(g, scope, `${label}/${k === 0 ? 'then' : 'else'}/`));
      const worst = branches.reduce<Partial | undefined>((a, b) => (a === undefined || b.total > a.total ? b : a), undefined);
      if (worst) merge(worst, 1);
      return;
    }
    if (node.op_type === 'Scan') {
      const body = attr(node, 'body')?.g;
      if (body && graphFlops(body, scope, '').total > 0) {
        out.unresolved.push({ node: label, opType: 'Scan', reason: 'Scan bodies are not counted' });
      }
      return;
    }
    const f = nodeFlops(node, scope);
    if (typeof f === 'string') out.unresolved.push({ node: label, opType: node.op_type, reason: f });
    else if (f > 0) add(node.op_type, f);
  });
  return out;
}

/** FLOPs per inference of a whole model graph. */
export function countFlops(graph: GraphMsg): FlopReport {
  const r = graphFlops(graph, undefined, '');
  return Object.freeze({ total: r.total, byOpType: Object.freeze(r.byOpType), loops: Object.freeze(r.loops), unresolved: Object.freeze(r.unresolved) });
}
