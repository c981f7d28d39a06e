// Every ONNX file shipped in models/ fits the contract, and each shipped one-step OneFlow student costs its teacher's
// observation encoder plus ONE network call — for keypoint policies (no encoder) about 100× fewer FLOPs per inference
// than the teacher's DDPM-100 export (issue 5's "done when"); image policies pay the CNN encoder once in both.
// Student and teacher are paired through provenance: student.provenance.teacher == teacher.provenance.checkpoint.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { checkContract, readOnnxModel, type OnnxModelFile } from '../../src/onnx/index.js';

const MODELS = process.env['ONEFLOW_MODELS_DIR'] ?? join(process.cwd(), 'models'); // override to check another folder
const files = existsSync(MODELS)
  ? readdirSync(MODELS)
      .filter((f) => f.endsWith('.onnx'))
      .sort()
  : [];
const prov = (m: OnnxModelFile, key: string): string | null => {
  const v = m.policy?.provenance[key];
  return typeof v === 'string' ? normalize(v) : null;
};

/** Paired by weights hash, else config hash (both written by `oneflow-train export`), else checkpoint path. */
function isTeacherOf(teacher: OnnxModelFile, student: OnnxModelFile): boolean {
  for (const [mine, theirs] of [
    ['weights_sha256', 'teacher_weights_sha256'],
    ['config_sha256', 'teacher_config_sha256'],
    ['checkpoint', 'teacher'],
  ]) {
    const a = prov(teacher, mine!);
    const b = prov(student, theirs!);
    if (a !== null && b !== null) return a === b;
  }
  return false;
}

describe('shipped models (models/*.onnx)', () => {
  for (const file of files) {
    it(`${file} fits the contract and every FLOP is accounted for`, async () => {
      const m = await readOnnxModel(join(MODELS, file));
      assert.deepEqual(checkContract(m), []);
      assert.deepEqual(m.flops.unresolved, []);
      assert.ok(m.fileSizeBytes < 25e6, `${file}: ${m.fileSizeBytes} bytes; models/ holds small files (~20 MB)`);
    });
  }

  it('each one-step student costs one network call of its teacher: ≈ 1/100 of DDPM-100 for keypoint policies', async (t) => {
    const models = await Promise.all(files.map((f) => readOnnxModel(join(MODELS, f))));
    const students = models.filter((m) => m.policy?.method === 'oneflow' && m.policy.network_calls_per_inference === 1);
    for (const s of students) {
      const teacher = models.find((m) => m.policy?.sampler === 'ddpm100' && isTeacherOf(m, s));
      if (teacher === undefined) continue; // the teacher was not shipped
      // teacher = E + 100·U (observation encoder E once, UNet U per call); the student should cost E + U.
      const U = teacher.flops.loops[0]?.bodyFlops ?? 0;
      const E = teacher.flops.total - 100 * U;
      const ratio = teacher.flops.total / s.flops.total;
      t.diagnostic(`${teacher.path}: ${teacher.flops.total} FLOPs (encoder ${E} + 100 × ${U}) / ${s.path}: ${s.flops.total} FLOPs = ${ratio.toFixed(1)}×`);
      assert.ok(Math.abs(s.flops.total - (E + U)) <= 0.02 * (E + U), `${s.path}: ${s.flops.total} FLOPs, expected E + U = ${E + U} ± 2 %`);
      if (s.policy?.observation.image === null) assert.ok(ratio > 90 && ratio < 110, `keypoint student: ${ratio.toFixed(1)}× fewer FLOPs, expected ≈ 100×`);
    }
  });
});
