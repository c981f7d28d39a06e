// Bench (b): the multi-step teacher against the one-step student through the SAME runtime (OnnxPolicy worker, same
// session options, same call path). Both are ONNX files under one contract, so only the graph differs.
import { OnnxPolicy } from '../policy/onnxPolicy.js';
import { tensorSizes } from '../policy/policySpec.js';
import { latencyStats, type LatencyStats } from './latencyStats.js';

export type PolicyLatency = {
  readonly model: string;
  readonly method: string;
  readonly networkCalls: number;
  readonly inference: LatencyStats;
  readonly call: LatencyStats;
};
export type TeacherStudentResult = { readonly teacher: PolicyLatency; readonly student: PolicyLatency; readonly ratioP50: number; readonly ratioP99: number };

/** Inference latency of one policy file through the worker runtime: `n` calls on fixed inputs after 3 warm-ups. */
export async function measurePolicyLatency(modelPath: string, n: number): Promise<PolicyLatency> {
  const policy = await OnnxPolicy.create({ modelPath, warmupRuns: 3 });
  const sizes = tensorSizes(policy.spec);
  const input = {
    state: new Float32Array(sizes.state).fill(256),
    image: policy.spec.image === null ? null : new Uint8Array(sizes.image).fill(128),
    noise: new Float32Array(sizes.noise).fill(0.1),
  };
  const inference: number[] = [];
  const call: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const r = await policy.infer(input, 60);
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.kind !== 'ok') throw new Error(`${modelPath}: inference ${i} returned ${r.kind}`);
      inference.push(r.inferenceSec);
      call.push(dt);
    }
  } finally {
    await policy.close();
  }
  return { model: modelPath, method: policy.spec.method, networkCalls: policy.spec.networkCalls, inference: latencyStats(inference), call: latencyStats(call) };
}

export async function teacherStudentBench(teacherPath: string, studentPath: string, nTeacher: number, nStudent: number): Promise<TeacherStudentResult> {
  const teacher = await measurePolicyLatency(teacherPath, nTeacher);
  const student = await measurePolicyLatency(studentPath, nStudent);
  return { teacher, student, ratioP50: teacher.inference.p50 / student.inference.p50, ratioP99: teacher.inference.p99 / student.inference.p99 };
}
