// `oneflow bench` model choice and (m) --all-models on fixture models: which files are benched, with how many samples,
// and which DDPM teacher each latency ratio is taken against. Latency values themselves come from real runs
// (docs/results/bench/, docs/node.md), not from here.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ratioToTeacher, type AllModelsResult } from '../../src/bench/allModelsBench.js';
import { pickModel, shippedModels } from '../../src/bench/shippedModels.js';
import { main } from '../../src/cli/bench.js';
import { readOnnxModel } from '../../src/onnx/readOnnxModel.js';

const FIXTURES = 'test/fixtures/models';

/** A models dir whose image student sorts first, as models/pusht_image_* sorts before models/pusht_keypoints_*. */
function modelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oneflow-models-'));
  copyFileSync(join(FIXTURES, 'tiny_image_onestep.onnx'), join(dir, 'a_image_student.onnx'));
  copyFileSync(join(FIXTURES, 'tiny_onestep.onnx'), join(dir, 'b_keypoints_student.onnx'));
  copyFileSync(join(FIXTURES, 'tiny_ddpm100.onnx'), join(dir, 'c_keypoints_teacher.onnx'));
  copyFileSync(join(FIXTURES, 'no_metadata.onnx'), join(dir, 'd_no_metadata.onnx'));
  return dir;
}

test('shippedModels lists the policy files; pickModel prefers keypoint (state-only) policies', async () => {
  const dir = modelsDir();
  const models = await shippedModels(dir);
  assert.deepEqual(
    models.map((m) => [m.path, m.method, m.networkCalls, m.usesImage]),
    [
      [join(dir, 'a_image_student.onnx'), 'oneflow', 1, true],
      [join(dir, 'b_keypoints_student.onnx'), 'oneflow', 1, false],
      [join(dir, 'c_keypoints_teacher.onnx'), 'ddpm', 100, false],
    ],
  );
  assert.equal(pickModel(models, 'oneflow'), join(dir, 'b_keypoints_student.onnx'));
  assert.equal(
    pickModel(
      models.filter((m) => !m.path.includes('b_keypoints')),
      'oneflow',
    ),
    join(dir, 'a_image_student.onnx'),
  );
  assert.equal(pickModel(models, 'cp'), null);
  assert.deepEqual(await shippedModels(join(dir, 'absent')), []);
});

test('oneflow bench with no model arguments picks the shipped keypoint teacher/student pair in models/', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'oneflow-bench-')), 'bench.json');
  assert.equal(await main(['--quiet', '--out', out, '--only', 'none']), 0); // choose the models, bench nothing
  const r = JSON.parse(readFileSync(out, 'utf8')) as { models: { student: string; teacher: string; fixtures: boolean } };
  assert.equal(r.models.fixtures, false);
  for (const [path, method] of [
    [r.models.student, 'oneflow'],
    [r.models.teacher, 'ddpm'],
  ] as const) {
    assert.ok(path.startsWith('models/'), path);
    const policy = (await readOnnxModel(path)).policy!;
    assert.equal(policy.method, method, path);
    assert.equal(policy.observation.image, null, `${path} is an image policy; the default pair is the keypoint one`);
  }
});

test('oneflow bench --all-models benches every policy in --models-dir in one run', async () => {
  const dir = modelsDir();
  const out = join(mkdtempSync(join(tmpdir(), 'oneflow-bench-')), 'bench.json');
  assert.equal(await main(['--quiet', '--out', out, '--all-models', '--models-dir', dir, '--teacher-n', '2', '--n', '5']), 0);
  const r = JSON.parse(readFileSync(out, 'utf8')) as { allModels: AllModelsResult; overhead?: unknown; deadline?: unknown };
  assert.deepEqual(
    r.allModels.models.map((m) => [m.model, m.method, m.networkCalls, m.inference.n]),
    [
      [join(dir, 'a_image_student.onnx'), 'oneflow', 1, 5],
      [join(dir, 'b_keypoints_student.onnx'), 'oneflow', 1, 5],
      [join(dir, 'c_keypoints_teacher.onnx'), 'ddpm', 100, 2],
    ],
  );
  assert.equal(r.overhead, undefined, '--all-models runs (m) only');
  assert.equal(r.deadline, undefined);
  const shipped = await shippedModels(dir);
  const ratio = ratioToTeacher(r.allModels, shipped, join(dir, 'b_keypoints_student.onnx'));
  const teacher = r.allModels.models[2]!.inference.p50;
  assert.equal(ratio, teacher / r.allModels.models[1]!.inference.p50);
  assert.equal(ratioToTeacher(r.allModels, shipped, join(dir, 'a_image_student.onnx')), null, 'no image DDPM teacher shipped');
});

test('oneflow bench --all-models refuses --only and an empty models dir', async () => {
  await assert.rejects(main(['--quiet', '--all-models', '--only', 'a']), /--all-models runs section \(m\) only; drop --only 'a'/);
  const empty = mkdtempSync(join(tmpdir(), 'oneflow-models-'));
  await assert.rejects(main(['--quiet', '--all-models', '--models-dir', empty]), /no policy ONNX files in --models-dir/);
});
