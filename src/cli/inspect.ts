// `oneflow inspect <model.onnx> [--json]`: the signature, `oneflow.policy` metadata, parameter count, FLOPs per
// inference, file size and sha256 of an ONNX policy — read with protobufjs only (no onnxruntime session).
// Exit codes (docs/errors.md): 0 readable and fits the contract; 3 the model refused — missing, unreadable, or it
// breaks the contract (the same status `replay` and `run` give that model); 2 usage.
import { checkContract } from '../onnx/contract.js';
import { EXIT_STATUS, UsageError } from '../errors.js';
import { describeMismatch, OnnxFormatError } from '../onnx/errors.js';
import { readOnnxModel } from '../onnx/readOnnxModel.js';
import type { OnnxModelFile, TensorSignature } from '../onnx/types.js';
import { parseCommandLine } from './parseCommandLine.js';

const USAGE = 'usage: oneflow inspect <model.onnx> [--json]\n';

/** The JSON document `--json` prints (stable keys; tests and the Python FLOP-agreement test read it). */
export function inspectReport(model: OnnxModelFile) {
  const mismatches = checkContract(model);
  return {
    path: model.path,
    fileSizeBytes: model.fileSizeBytes,
    sha256: model.sha256,
    irVersion: model.irVersion,
    opsetImports: model.opsetImports,
    producer: { name: model.producerName, version: model.producerVersion },
    inputs: model.inputs,
    outputs: model.outputs,
    policy: model.policy,
    policyError: model.policyError,
    metadataProps: Object.fromEntries(Object.entries(model.metadataProps).filter(([k]) => k !== 'oneflow.policy')),
    parameterCount: model.parameterCount,
    initializerBytes: model.initializerBytes,
    flopsPerInference: model.flops.total,
    flops: model.flops,
    nodeCount: model.nodeCount,
    opTypeCounts: model.opTypeCounts,
    contract: { ok: mismatches.length === 0, mismatches },
  };
}

const sig = (t: TensorSignature) => `${t.name.padEnd(8)} ${t.elemType.padEnd(8)} [${(t.shape ?? ['?']).map((d) => d ?? '?').join(', ')}]`;
const si = (n: number): string => {
  const units = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const;
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(3)} ${unit}`;
  return `${n} `;
};

function humanReport(r: ReturnType<typeof inspectReport>): string {
  const p = r.policy;
  const lines = [
    `file        ${r.path}`,
    `size        ${r.fileSizeBytes} bytes`,
    `sha256      ${r.sha256}`,
    `onnx        ir ${r.irVersion}, opset ${r.opsetImports.map((o) => `${o.domain}:${o.version}`).join(' ')}, producer ${r.producer.name} ${r.producer.version}`,
    'inputs',
    ...r.inputs.map((t) => `  ${sig(t)}`),
    'outputs',
    ...r.outputs.map((t) => `  ${sig(t)}`),
    `parameters  ${r.parameterCount} (${si(r.parameterCount)}), initializers ${r.initializerBytes} bytes`,
    `FLOPs       ${r.flopsPerInference} per inference (${si(r.flopsPerInference)}FLOP)  ${Object.entries(r.flops.byOpType)
      .map(([k, v]) => `${k} ${si(v)}`)
      .join(', ')}`,
    ...r.flops.loops.map((l) => `  loop ${l.node}: ${l.tripCount ?? '?'} × ${si(l.bodyFlops)}FLOP`),
    ...r.flops.unresolved.map((u) => `  not counted: ${u.node} (${u.opType}): ${u.reason}`),
    `nodes       ${r.nodeCount} (${Object.entries(r.opTypeCounts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  ];
  if (p === null) {
    lines.push(`policy      INVALID: ${r.policyError}`);
  } else {
    const o = p.observation;
    lines.push(
      `policy      ${p.name} — method ${p.method}${p.sampler ? ` (${p.sampler})` : ''}, ${p.network_calls_per_inference} network call(s) per inference`,
      `observation To=${o.n_obs_steps} every ${o.obs_interval_s} s; state ${o.state.names.map((n, i) => `${n}<${o.state.sources[i]}>`).join(' ')}` +
        (o.image ? `; image ${o.image.height}x${o.image.width} <${o.image.source}>` : ''),
      `action      ${p.action.names.join(', ')}; horizon ${p.action.horizon}, execute ${p.action.n_action_steps}, first step offset ${p.action.first_step_offset}, ` +
        `${p.action.control_rate_hz} Hz, low [${p.action.low.join(', ')}] high [${p.action.high.join(', ')}]`,
      `noise       [${p.noise.shape.join(', ')}]`,
      `provenance  ${JSON.stringify(p.provenance)}`,
      `eval        ${JSON.stringify(p.eval)}`,
    );
  }
  for (const [k, v] of Object.entries(r.metadataProps)) lines.push(`meta        ${k} = ${v.length > 120 ? `${v.slice(0, 117)}...` : v}`);
  lines.push(r.contract.ok ? 'contract    OK' : `contract    FAILED\n${r.contract.mismatches.map((m) => `  ${describeMismatch(m)}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  let path: string;
  let json: boolean;
  try {
    const { values, positionals } = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return EXIT_STATUS.OK;
    }
    if (positionals.length !== 1) throw new UsageError(`expected one model path, got ${positionals.length}`);
    path = positionals[0]!;
    json = values.json === true;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`oneflow inspect: ${err.message}\n${USAGE}`);
    return err.exitStatus;
  }
  let model: OnnxModelFile;
  try {
    model = await readOnnxModel(path);
  } catch (err) {
    if (!(err instanceof OnnxFormatError)) throw err;
    if (json) process.stdout.write(`${JSON.stringify({ path, error: { code: err.code, message: err.message } }, null, 2)}\n`);
    process.stderr.write(`oneflow inspect: ${err.message}\n`);
    return err.exitStatus;
  }
  const report = inspectReport(model);
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : humanReport(report));
  return report.contract.ok ? EXIT_STATUS.OK : EXIT_STATUS.MODEL;
}
