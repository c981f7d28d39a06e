import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const FIXTURE_BAG = 'test/fixtures/bags/pusht_ep205';
export const FIXTURE_MCAP = 'test/fixtures/bags/pusht_ep205/pusht_ep205.mcap';
export const VENV_PYTHON = '.venv/bin/python';

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'oneflow-bag-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Run a Python snippet in the project venv (rosbags installed); returns stdout. Throws with stderr on failure. */
export function python(code: string, args: string[] = []): string {
  const r = spawnSync(VENV_PYTHON, ['-c', code, ...args], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: 'training' } });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export const HAVE_PYTHON = existsSync(VENV_PYTHON);
