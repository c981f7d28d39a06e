// `oneflow run`: the live composition (parameters → config → policy → node → ROS transport → timer → shutdown),
// driven through a fake shaped like rclnodejs 2.x, with the in-memory FakePolicy and a fake signal source.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main, runNode, scheduledTimeNs, withoutRosArgs } from '../../src/cli/run.js';
import { ConfigError, TransportError } from '../../src/errors.js';
import { encodeMessage, timeFromNs } from '../../src/msgs/index.js';
import { FakePolicy, testPolicySpec } from '../../src/policy/fakePolicy.js';
import { MemoryLogger } from '../../src/telemetry/logger.js';
import type { RclModule } from '../../src/transport/rclnodejsApi.js';
import { loadParameterOverrideReader, loadRclnodejs } from '../../src/transport/rosTransport.js';
import { makeFakeRclnodejs } from './fakeRclnodejs.js';

type Fake = ReturnType<typeof makeFakeRclnodejs>;

/** The deps runNode gets from main(), on the fake (which is also its own "addon" for getParameterOverrides). */
async function fakeDeps(fake: Fake, extra: { signals?: SignalEmitter; logger?: MemoryLogger; policy?: FakePolicy; exit?: (code: number) => void } = {}) {
  const rcl = fake as unknown as RclModule;
  return {
    rcl,
    parameterOverrides: await loadParameterOverrideReader(rcl, async () => ({ default: fake })),
    loadPolicy: async () => extra.policy ?? new FakePolicy(testPolicySpec()),
    makeLogger: () => extra.logger ?? new MemoryLogger(),
    signals: extra.signals ?? new SignalEmitter(),
    metricsHost: '127.0.0.1',
    ...(extra.exit === undefined ? {} : { exit: extra.exit }),
  };
}

/** process-like signals: a signal nobody listens to takes Node's default action (the process dies, exit -2/-15). */
class SignalEmitter extends EventEmitter {
  readonly killedBy: string[] = [];
  raise(signal: 'SIGINT' | 'SIGTERM'): void {
    if (this.listenerCount(signal) === 0) this.killedBy.push(signal);
    else this.emit(signal);
  }
}

/**
 * What the real process does at the end (measured on the live node, docs/deploy.md §8): exit(code) = process.exit,
 * which keeps the signal handlers to the end; if nobody calls it, Node's natural exit closes every handle first —
 * SIGINT/SIGTERM back to the default action — and then tears rcl / Fast DDS down while a signal can still arrive.
 */
class FakeProcess extends SignalEmitter {
  readonly exits: { code: number; handled: string[] }[] = [];
  exit(code: number): void {
    const handled = (['SIGINT', 'SIGTERM'] as const).filter((s) => this.listenerCount(s) > 0);
    this.exits.push({ code, handled });
  }
}

function tempFile(name: string, text: string): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'oneflow-params-'));
  writeFileSync(join(dir, name), text);
  return { path: join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

test('withoutRosArgs and the drift-free tick time', () => {
  assert.deepEqual(withoutRosArgs(['--x', '--ros-args', '-r', '__node:=a', '--', '--y', '--ros-args', '-p', 'k:=v']), ['--x', '--y']);
  // What launch_ros (jazzy) really passes for policy.launch.py (captured with the real launch + launch_ros code).
  const fromLaunch = [
    '--ros-args',
    '--log-level',
    'info',
    '--ros-args',
    '-r',
    '__node:=oneflow_policy',
    '-r',
    '__ns:=/robot1',
    '--params-file',
    '/opt/ros/jazzy/share/oneflow/config/policy.params.yaml',
    '--params-file',
    '/tmp/launch_params_nnyxjm7y',
  ];
  assert.deepEqual(withoutRosArgs(fromLaunch), []);
  assert.equal(scheduledTimeNs({ expectedCallTime: 1234n }, 9999n, 0n, 100n), 1234n);
  assert.equal(scheduledTimeNs(undefined, 1_049n, 1_000n, 100n), 1_000n);
  assert.equal(scheduledTimeNs(undefined, 1_151n, 1_000n, 100n), 1_200n);
  assert.equal(scheduledTimeNs({}, 990n, 1_000n, 100n), 1_000n);
});

test('runNode: parameters → node, subscriptions, a timer at the control period, ticks published, clean SIGTERM', async () => {
  const fake = makeFakeRclnodejs();
  const port = await freePort();
  const signals = new EventEmitter();
  const logger = new MemoryLogger();
  const spec = testPolicySpec();
  const policy = new FakePolicy(spec);
  const argv = ['--ros-args', '-r', '__node:=arm_policy', '-p', 'model:=/models/fixture.onnx', '-p', 'control_rate_hz:=20.0', '-p', `metrics_port:=${port}`];
  const running = await runNode(argv, {
    ...(await fakeDeps(fake)),
    loadPolicy: async (config) => {
      assert.equal(config.modelPath, '/models/fixture.onnx');
      return policy;
    },
    makeLogger: () => logger,
    signals,
    metricsHost: '127.0.0.1',
  });
  const rosNode = fake.state.nodes[0]!;
  assert.deepEqual(fake.state.argv, ['oneflow', 'run', ...argv], 'rcl.init gets the --ros-args (launch remaps, params)');
  assert.equal(fake.state.signalHandlersRemoved, true);
  assert.equal(rosNode.name(), 'arm_policy', 'the -r __node:= remap names the node');
  assert.deepEqual(
    rosNode.subscriptions.map((s) => s.topic),
    ['/joint_states', '/object_pose'],
  );
  assert.equal(rosNode.timers.length, 1);
  assert.equal(rosNode.timers[0]!.period, 50_000_000n);
  assert.equal(rosNode.spinning, true);

  // Two observation steps 0.1 s apart, then a tick at the newest stamp.
  const t = 1_700_000_010_000_000_000n;
  for (const stamp of [t - 100_000_000n, t]) {
    rosNode.nowNs = stamp;
    const header = { stamp: timeFromNs(stamp), frame_id: '' };
    rosNode.deliver(
      '/joint_states',
      encodeMessage('sensor_msgs/msg/JointState', { header, name: ['agent_x', 'agent_y'], position: [100, 200], velocity: [], effort: [] }),
    );
    rosNode.deliver(
      '/object_pose',
      encodeMessage('geometry_msgs/msg/PoseStamped', { header, pose: { position: { x: 250, y: 260, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } } }),
    );
  }
  rosNode.timers[0]!.callback({ expectedCallTime: t });
  rosNode.timers[0]!.callback({ expectedCallTime: t + 50_000_000n }); // previous tick may still be in flight: skipped, not queued
  await flush();
  rosNode.timers[0]!.callback({ expectedCallTime: t + 100_000_000n, actualCallTime: t + 103_000_000n }); // 3 ms late
  await flush();
  const chunks = rosNode.publisher('/oneflow/action_chunk').sent;
  assert.ok(chunks.length >= 1, 'chunks published');
  assert.equal(rosNode.publisher('/oneflow/joint_trajectory').sent.length, chunks.length);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(text, /oneflow_model_info\{name="test_policy",method="fixture",model_id="0123456789abcdef",execution_mode="receding_horizon"\} 1/);
  assert.match(text, /oneflow_ticks_total\{outcome="ok"\} [1-9]/);
  assert.match(text, /oneflow_tick_lateness_seconds_count 2\n/, 'two ticks ran (one was skipped while the first was in flight)');
  assert.match(text, /oneflow_tick_lateness_seconds_sum 0\.003\n/, 'timer lateness = actual − expected call time');
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);

  const beforeStop = chunks.length;
  signals.emit('SIGTERM');
  assert.equal(await running.done, 0);
  assert.equal(chunks.length, beforeStop + 1, 'one hold published on SIGTERM');
  assert.equal(rosNode.timers[0]!.cancelled, true);
  assert.equal(rosNode.destroyed, true);
  assert.equal(rosNode.spinning, false);
  assert.equal(fake.state.shutdown, true);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'metrics server closed');
  const before = chunks.length;
  rosNode.timers[0]!.callback({ expectedCallTime: t + 200_000_000n });
  await flush();
  assert.equal(chunks.length, before, 'nothing is published after shutdown');
  assert.ok(logger.records.some((r) => r.message === 'shutting down' && r.fields.reason === 'received SIGTERM'));
  assert.equal(signals.listenerCount('SIGINT'), 1, 'the handler stays installed until the process exits');
});

test('runNode: a refused configuration destroys the node and shuts rcl down', async () => {
  const fake = makeFakeRclnodejs();
  await assert.rejects(
    runNode(['--ros-args', '-p', 'model:=/m.onnx', '-p', 'control_rate_hz:=0.0'], {
      ...(await fakeDeps(fake)),
      loadPolicy: () => Promise.reject(new Error('must not load a model for a refused config')),
      makeLogger: () => new MemoryLogger(),
      signals: new EventEmitter(),
    }),
    (err: unknown) => err instanceof ConfigError && /parameter control_rate_hz/.test(err.message),
  );
  assert.equal(fake.state.nodes[0]!.destroyed, true);
  assert.equal(fake.state.shutdown, true);
});

test('runNode: a metrics port in use is refused naming the port; the policy is closed and the node destroyed', async () => {
  const blocker: Server = await new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => resolve(srv));
  });
  const port = (blocker.address() as { port: number }).port;
  const fake = makeFakeRclnodejs();
  let closed = false;
  const policy = new FakePolicy(testPolicySpec());
  policy.close = async () => void (closed = true);
  try {
    await assert.rejects(
      runNode(['--ros-args', '-p', 'model:=/m.onnx', '-p', `metrics_port:=${port}`], {
        ...(await fakeDeps(fake)),
        loadPolicy: async () => policy,
        makeLogger: () => new MemoryLogger(),
        signals: new EventEmitter(),
        metricsHost: '127.0.0.1',
      }),
      (err: unknown) => err instanceof TransportError && err.message.includes(`cannot serve metrics on port ${port}`) && /EADDRINUSE/.test(err.message),
    );
  } finally {
    blocker.close();
  }
  assert.equal(closed, true);
  assert.equal(fake.state.nodes[0]!.destroyed, true);
  assert.equal(fake.state.shutdown, true);
});

test('main: --print-params and usage work without ROS; without rclnodejs it exits 5 with directions', async () => {
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    assert.equal(await main(['--print-params']), 0);
    assert.match(out, /\| `control_rate_hz` \| `controlRateHz` \| double \| Hz \| 10 \| \(0, 1000\] \|/);
    assert.equal(await main(['--bogus']), 2);
    let rclInstalled = true;
    try {
      await import('rclnodejs' as string);
    } catch {
      rclInstalled = false;
    }
    if (!rclInstalled) {
      assert.equal(await main(['--ros-args', '-p', 'model:=x.onnx']), 5); // TRANSPORT (docs/errors.md)
      assert.match(err, (process.env.AMENT_PREFIX_PATH ?? '') === '' ? /no ROS 2 environment \(AMENT_PREFIX_PATH is empty\)/ : /rclnodejs is not available/);
    }
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
});

// What launch_ros gives the node for `ros2 launch oneflow policy.launch.py model:=... use_sim_time:=true`: the
// params file (`/**`), then its own file with the launch arguments under the node's fully qualified name.
const LAUNCH_PARAMS = (model: string, port: number, simTime: boolean) =>
  `/oneflow_policy:\n  ros__parameters:\n    model: ${model}\n    metrics_port: ${port}\n    log_level: warn\n    use_sim_time: ${simTime}\n`;
const PARAMS_FILE = '/**:\n  ros__parameters:\n    model: ""\n    control_rate_hz: 20.0\n    metrics_port: 9464\n';

test("runNode: launch_ros' `/oneflow_policy:` params-file key is applied (rclnodejs 2.2.0 alone ignores it), after `/**`, with -p", async () => {
  const port = await freePort();
  const base = tempFile('policy.params.yaml', PARAMS_FILE);
  const launch = tempFile('launch_params_x', LAUNCH_PARAMS('/models/from_launch.onnx', port, false));
  const fake = makeFakeRclnodejs();
  const signals = new SignalEmitter();
  try {
    const running = await runNode(
      ['--ros-args', '-r', '__node:=oneflow_policy', '--params-file', base.path, '--params-file', launch.path, '-p', 'recovery_ticks:=7'],
      await fakeDeps(fake, { signals }),
    );
    // The fake resolves like 2.2.0: on its own, the node sees only the `/**` file and the -p rule.
    assert.deepEqual(
      fake.state.nodes[0]!.getParameterOverrides()
        .map((p) => p.name)
        .sort(),
      ['control_rate_hz', 'metrics_port', 'model', 'recovery_ticks'],
    );
    assert.equal(running.config.modelPath, '/models/from_launch.onnx', "the launch file's model");
    assert.equal(running.config.metricsPort, port, 'the launch key overrides the /** file given before it');
    assert.equal(running.config.logLevel, 'warn');
    assert.equal(running.config.controlRateHz, 20, 'the /** file still applies');
    assert.equal(running.config.recoveryTicks, 7, 'plain -p still applies');
    signals.raise('SIGTERM');
    assert.equal(await running.done, 0);
  } finally {
    base.cleanup();
    launch.cleanup();
  }
  // A key for another node, or for this name in another namespace, does not apply.
  const other = tempFile('other.yaml', '/robot2/oneflow_policy:\n  ros__parameters:\n    model: /wrong.onnx\n');
  try {
    const fake2 = makeFakeRclnodejs();
    await assert.rejects(
      runNode(['--ros-args', '-r', '__ns:=/robot1', '--params-file', other.path], await fakeDeps(fake2)),
      /parameter model \(modelPath\) must be a non-empty path/,
    );
  } finally {
    other.cleanup();
  }
});

test('runNode: use_sim_time from the launch key follows a best-effort /clock (bag play); no tick, lateness or period from time 0', async () => {
  const port = await freePort();
  const launch = tempFile('launch_params_y', LAUNCH_PARAMS('/m.onnx', port, true));
  const fake = makeFakeRclnodejs();
  const signals = new SignalEmitter();
  try {
    const running = await runNode(['--ros-args', '-p', 'control_rate_hz:=10.0', '--params-file', launch.path], await fakeDeps(fake, { signals }));
    const rosNode = fake.state.nodes[0]!;
    assert.equal(rosNode.getParameter('use_sim_time').value, true, 'use_sim_time reached the node');
    assert.equal(rosNode.now().nanoseconds, 0n, 'ROS time is 0 until /clock');
    const timer = rosNode.timers[0]!;
    timer.callback({ expectedCallTime: 100_000_000n, actualCallTime: 0n });
    await flush();
    assert.equal(rosNode.publisher('/oneflow/action_chunk').sent.length, 0, 'no tick before the first /clock');

    // rosbag2 publishes /clock best effort: rclnodejs' own (reliable) clock subscription never gets it.
    const t = 1_700_000_010_000_000_000n;
    const clockAt = (ns: bigint) => ({ clock: { sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) } });
    assert.ok(rosNode.deliverMessage('/clock', clockAt(t - 100_000_000n), 'best_effort') >= 1, 'a best-effort /clock subscription exists');
    assert.equal(rosNode.now().nanoseconds, t - 100_000_000n, "sim time advanced from the bag's /clock");
    for (const stamp of [t - 100_000_000n, t]) {
      const header = { stamp: timeFromNs(stamp), frame_id: '' };
      rosNode.deliverMessage('/clock', clockAt(stamp), 'best_effort');
      rosNode.deliver(
        '/joint_states',
        encodeMessage('sensor_msgs/msg/JointState', { header, name: ['agent_x', 'agent_y'], position: [100, 200], velocity: [], effort: [] }),
      );
      rosNode.deliver(
        '/object_pose',
        encodeMessage('geometry_msgs/msg/PoseStamped', { header, pose: { position: { x: 250, y: 260, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } } }),
      );
    }
    // The rcl timer was armed at ROS time 0: its first call after the jump reports an expected time near 0.
    timer.callback({ expectedCallTime: 200_000_000n, actualCallTime: t });
    await flush();
    rosNode.deliverMessage('/clock', clockAt(t + 100_000_000n), 'best_effort');
    timer.callback({ expectedCallTime: t + 100_000_000n, actualCallTime: t + 100_000_000n });
    await flush();
    assert.equal(rosNode.publisher('/oneflow/action_chunk').sent.length, 2, 'both ticks after /clock published');
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const sum = (name: string) => Number(new RegExp(`^${name}_sum (\\S+)$`, 'm').exec(text)?.[1]);
    assert.ok(sum('oneflow_tick_lateness_seconds') < 1, `tick lateness from time 0: ${sum('oneflow_tick_lateness_seconds')} s`);
    assert.ok(Math.abs(sum('oneflow_control_period_seconds') - 0.1) < 1e-6, `control period: ${sum('oneflow_control_period_seconds')} s`);
    signals.raise('SIGINT');
    assert.equal(await running.done, 0);
  } finally {
    launch.cleanup();
  }
});

test('runNode: SIGINT twice (terminal + launch) and SIGTERM during shutdown are absorbed; handlers stay once stopped', async () => {
  const fake = makeFakeRclnodejs();
  const signals = new SignalEmitter();
  const logger = new MemoryLogger();
  const policy = new FakePolicy(testPolicySpec());
  let release!: () => void;
  const closing = new Promise<void>((r) => (release = r));
  policy.close = () => closing; // shutdown in progress while the next signals arrive
  const running = await runNode(['--ros-args', '-p', 'model:=/m.onnx', '-p', 'metrics_port:=0'], await fakeDeps(fake, { signals, logger, policy }));
  signals.raise('SIGINT');
  signals.raise('SIGINT');
  signals.raise('SIGTERM');
  await flush();
  assert.deepEqual(signals.killedBy, [], 'no signal fell through to the default action (exit by signal)');
  release();
  assert.equal(await running.done, 0);
  assert.equal(logger.records.filter((r) => r.message === 'already shutting down; signal ignored').length, 2);
  signals.raise('SIGINT'); // after shutdown, before the process is gone
  assert.deepEqual(signals.killedBy, [], 'a signal after shutdown is absorbed too');
  assert.equal(logger.records.filter((r) => r.message === 'already shutting down; signal ignored').length, 3);
});

test('runNode: once stopped the process exits at once with the signal handlers installed (no natural-exit window)', async () => {
  const fake = makeFakeRclnodejs();
  const proc = new FakeProcess();
  const running = await runNode(
    ['--ros-args', '-p', 'model:=/m.onnx', '-p', 'metrics_port:=0'],
    await fakeDeps(fake, { signals: proc, exit: (code) => proc.exit(code) }),
  );
  proc.raise('SIGINT');
  assert.equal(await running.done, 0);
  assert.deepEqual(proc.exits, [{ code: 0, handled: ['SIGINT', 'SIGTERM'] }], 'exit(0) called once, both handlers still installed');
});

test('loadRclnodejs: without a sourced ROS 2 it refuses before importing rclnodejs (whose loader would delete its addon)', async () => {
  let imported = false;
  const importer = async () => {
    imported = true;
    return {};
  };
  await assert.rejects(
    loadRclnodejs(importer, { PATH: '/usr/bin' }),
    (err: unknown) => err instanceof TransportError && /AMENT_PREFIX_PATH is empty/.test(err.message),
  );
  assert.equal(imported, false);
  await loadRclnodejs(importer, { AMENT_PREFIX_PATH: '/opt/ros/jazzy' });
  assert.equal(imported, true);
});
