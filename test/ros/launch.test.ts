// Launch files, the policy_node launcher and the Docker entrypoint, checked without ROS: the launch files are
// byte-compiled and imported against stub launch modules (test/ros/launch_check.py); the shell scripts run with a
// fake `ros2`/`node` on PATH.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PYTHON = existsSync(join(ROOT, '.venv/bin/python')) ? join(ROOT, '.venv/bin/python') : 'python3';

test('launch files compile and declare the documented arguments (stub launch modules); package.xml/CMakeLists sane', () => {
  const r = spawnSync(PYTHON, [join(ROOT, 'test/ros/launch_check.py'), ROOT], { encoding: 'utf8' });
  assert.equal(r.status, 0, `launch_check.py failed:\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { policy: string[]; bag_demo: string[]; packages: string[] };
  assert.deepEqual(result.packages, ['oneflow', 'oneflow_msgs'], 'package.xml files parse (XML) and declare what colcon needs');
  for (const name of [
    'model',
    'params_file',
    'namespace',
    'camera_topic',
    'joint_states_topic',
    'action_chunk_topic',
    'joint_trajectory_topic',
    'metrics_port',
    'log_level',
    'use_sim_time',
  ]) {
    assert.ok(result.policy.includes(name), `policy.launch.py declares ${name}`);
    assert.ok(result.bag_demo.includes(name), `bag_demo.launch.py forwards ${name}`);
  }
  assert.ok(result.bag_demo.includes('bag'));
});

test('CMakeLists.txt: node_modules and dist are installed so that colcon --symlink-install symlinks them', () => {
  // ament_cmake's symlink install handles install(DIRECTORY) only without USE_SOURCE_PERMISSIONS (or
  // FILE_PERMISSIONS/DIRECTORY_PERMISSIONS); with it, ament falls back to copying — 388 MB of node_modules into
  // install/ (seen live on Jazzy, issue 17). Executables are installed with install(PROGRAMS) instead.
  const cmake = readFileSync(join(ROOT, 'CMakeLists.txt'), 'utf8').replace(/#.*$/gm, '');
  const installs = [...cmake.matchAll(/install\s*\(\s*DIRECTORY([^)]*)\)/g)].map((m) => m[1]!);
  assert.ok(
    installs.some((args) => /\bnode_modules\b/.test(args)),
    'node_modules is installed',
  );
  for (const args of installs) {
    assert.doesNotMatch(args, /USE_SOURCE_PERMISSIONS|FILE_PERMISSIONS|DIRECTORY_PERMISSIONS/, `install(DIRECTORY${args}) would be copied, not symlinked`);
  }
});

test('npm ci: run non-interactively (npm_config_yes) and refused when ROS is sourced but rclnodejs was dropped', () => {
  const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  assert.match(
    makefile,
    /npm_config_yes=true npm ci[^\n]*\n\s*bash scripts\/ros-npm-guard\.sh node_modules/,
    'make setup runs npm ci with npm_config_yes, then the guard',
  );
  const dir = mkdtempSync(join(tmpdir(), 'oneflow-nm-'));
  const guard = (env: Record<string, string>) =>
    spawnSync('bash', [join(ROOT, 'scripts/ros-npm-guard.sh'), join(dir, 'node_modules')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  try {
    assert.equal(guard({}).status, 0, 'without ROS, rclnodejs is not expected');
    const dropped = guard({ AMENT_PREFIX_PATH: '/opt/ros/jazzy' });
    assert.equal(dropped.status, 1);
    assert.match(dropped.stderr, /npm dropped the optional dependency rclnodejs.*npm_config_yes=true/s);
    mkdirSync(join(dir, 'node_modules/rclnodejs/build/Release'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/rclnodejs/build/Release/rclnodejs.node'), '');
    assert.equal(guard({ AMENT_PREFIX_PATH: '/opt/ros/jazzy' }).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A temp dir with fake executables that print their argv as JSON. */
function fakeBin(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'oneflow-bin-'));
  for (const name of names) {
    const file = join(dir, name);
    writeFileSync(file, `#!/usr/bin/env bash\nprintf '%s\\n' "${name}" "$@"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

test("lib/oneflow/policy_node runs `node share/oneflow/dist/src/cli.js run` with launch's --ros-args", () => {
  const prefix = mkdtempSync(join(tmpdir(), 'oneflow-prefix-'));
  const bin = fakeBin(['node']);
  try {
    mkdirSync(join(prefix, 'lib/oneflow'), { recursive: true });
    mkdirSync(join(prefix, 'share/oneflow/dist/src'), { recursive: true });
    copyFileSync(join(ROOT, 'scripts/policy_node'), join(prefix, 'lib/oneflow/policy_node'));
    chmodSync(join(prefix, 'lib/oneflow/policy_node'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const missing = spawnSync(join(prefix, 'lib/oneflow/policy_node'), [], { encoding: 'utf8', env });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /dist\/src\/cli\.js not found/);
    writeFileSync(join(prefix, 'share/oneflow/dist/src/cli.js'), '');
    const args = ['--ros-args', '-r', '__node:=oneflow_policy', '--params-file', '/tmp/p.yaml'];
    const r = spawnSync(join(prefix, 'lib/oneflow/policy_node'), args, { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const argv = r.stdout.trim().split('\n');
    assert.equal(argv[0], 'node');
    assert.equal(argv[1], `${prefix}/lib/oneflow/../../share/oneflow/dist/src/cli.js`);
    assert.deepEqual(argv.slice(2), ['run', ...args]);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  }
});

test('docker entrypoint: name:=value arguments go to ros2 launch (with the metrics port), anything else runs', () => {
  const bin = fakeBin(['ros2', 'echo-args']);
  const setup = join(bin, 'setup.bash');
  writeFileSync(setup, 'export SOURCED_COUNT=$(( ${SOURCED_COUNT:-0} + 1 ))\n');
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    ROS_DISTRO: 'jazzy',
    ONEFLOW_ROS_SETUP: setup,
    ONEFLOW_SETUP: setup,
    ONEFLOW_METRICS_PORT: '9464',
  };
  const run = (args: string[]) => spawnSync('bash', [join(ROOT, 'scripts/docker-entrypoint.sh'), ...args], { encoding: 'utf8', env });
  try {
    const launch = run(['model:=/models/x.onnx']);
    assert.equal(launch.status, 0, launch.stderr);
    assert.deepEqual(launch.stdout.trim().split('\n'), ['ros2', 'launch', 'oneflow', 'policy.launch.py', 'model:=/models/x.onnx', 'metrics_port:=9464']);
    const ownPort = run(['model:=/m.onnx', 'metrics_port:=9500']);
    assert.deepEqual(ownPort.stdout.trim().split('\n').slice(4), ['model:=/m.onnx', 'metrics_port:=9500']);
    const none = run([]);
    assert.deepEqual(none.stdout.trim().split('\n'), ['ros2', 'launch', 'oneflow', 'policy.launch.py', 'metrics_port:=9464']);
    const showArgs = run(['--show-args']);
    assert.deepEqual(showArgs.stdout.trim().split('\n'), ['ros2', 'launch', 'oneflow', 'policy.launch.py', '--show-args', 'metrics_port:=9464']);
    const command = run(['echo-args', 'bag:=x']);
    assert.deepEqual(command.stdout.trim().split('\n'), ['echo-args', 'bag:=x']);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
