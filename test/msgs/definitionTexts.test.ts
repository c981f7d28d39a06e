import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

test('src/msgs/definitionTexts.ts is exactly what scripts/gen-definition-texts.mjs generates from @foxglove/rosmsg-msgs-common', () => {
  const r = spawnSync(process.execPath, ['scripts/gen-definition-texts.mjs', '--stdout'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const committed = readFileSync('src/msgs/definitionTexts.ts', 'utf8');
  assert.ok(r.stdout.includes('export const JOINT_STATE_MSG = "'), 'the generator emits the texts');
  assert.equal(committed, r.stdout, 'regenerate: node scripts/gen-definition-texts.mjs');
});
