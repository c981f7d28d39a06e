import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../bag/helpers.js';
import { FIXTURE_BAG } from './helpers.js';

test('--metrics-port serves Prometheus /metrics and /readyz while the replay runs (and for --linger-sec after)', async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [
    'dist/src/cli.js',
    'replay',
    FIXTURE_BAG,
    '--out',
    join(tempDir(), 'm'),
    '--metrics-port',
    String(port),
    '--linger-sec',
    '1',
  ]);
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const lingering = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('serving /metrics for')) resolve();
    });
  });
  await Promise.race([lingering, exited]);
  assert.match(stderr, new RegExp(`metrics: http://localhost:${port}/metrics`));
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^oneflow_ticks_total\{outcome="ok"\} 48$/m);
  assert.match(metrics, /^oneflow_watchdog_transitions_total\{from="SAFE",to="RUNNING"\} 1$/m);
  assert.match(metrics, /^oneflow_model_info\{name="hold_baseline"/m);
  assert.match(metrics, /oneflow_tick_duration_seconds_bucket/);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(await exited, 0, stderr);
});
